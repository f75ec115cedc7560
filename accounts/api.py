"""REST API for the signed-in user, organizations and memberships."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Membership, Organization, Role
from accounts.permissions import ADMIN_ONLY, OrganizationAPIMixin


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "time_zone", "anonymity_threshold"]
        read_only_fields = ["id", "slug"]


class MyMembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "organization"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    memberships = MyMembershipSerializer(many=True)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {"id": user.pk, "email": user.email, "full_name": user.display_name,
                "memberships": selectors.memberships_of_user(user=user)}
        return Response(MeSerializer(data).data)


class OrganizationDetailView(OrganizationAPIMixin, generics.RetrieveUpdateAPIView):
    serializer_class = OrganizationSerializer
    allowed_write_roles = ADMIN_ONLY

    def get_object(self):
        return self.request.organization

    def perform_update(self, serializer):
        data = {**OrganizationSerializer(self.request.organization).data,
                **serializer.validated_data}
        serializer.instance = services.organization_update(
            organization=self.request.organization, name=data["name"],
            time_zone=data["time_zone"], anonymity_threshold=data["anonymity_threshold"],
        )


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = ["id", "email", "name", "created_at"]

    def validate_role(self, value):
        if value not in Role.values:
            raise serializers.ValidationError(f"Choose one of: {', '.join(Role.values)}.")
        return value


class MembershipViewSet(OrganizationAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Members of the organization (HR admins only)."""

    serializer_class = MembershipSerializer
    allowed_roles = ADMIN_ONLY
    filterset_fields = ["role"]
    queryset = Membership.objects.none()

    def get_queryset(self):
        return selectors.memberships_of_organization()

    def perform_update(self, serializer):
        from django.core.exceptions import ValidationError as DjangoValidationError

        role = serializer.validated_data.get("role", serializer.instance.role)
        try:
            serializer.instance = services.membership_change_role(
                membership=serializer.instance, role=role)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
