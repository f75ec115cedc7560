"""The dashboard's sections. Each module builds its panels from a :class:`DashboardScope`
with a constant number of queries (whatever the number of pairs, sessions and answers) and
returns :class:`dashboards.figures.Panel` objects; every figure about people goes through the
k rule (feedback.suppression) before it leaves the module."""
