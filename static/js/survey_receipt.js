// Survey receipt: download the respondent's own answers as a text file, or print the page.
// The answers come from the page itself (json_script "receipt-data"); nothing is sent or
// stored anywhere. Without JavaScript the receipt is still on the page to save or print.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("receipt-data");
  const download = document.getElementById("receipt-download");
  const print = document.getElementById("receipt-print");
  if (!source) return;
  const receipt = JSON.parse(source.textContent);
  const lines = [
    `Receipt: ${receipt.survey} (${receipt.cohort}, ${receipt.organization})`,
    `Submitted on ${receipt.submitted_on}${receipt.anonymous ? ", anonymously" : ""}`,
    "",
  ];
  receipt.lines.forEach((line, index) => {
    lines.push(`${index + 1}. ${line.question}`);
    line.answers.forEach((answer) => {
      lines.push(`   ${answer.topic ? `${answer.topic}: ` : ""}${answer.value}`);
    });
    lines.push(`   Who sees this: ${line.visibility}`, "");
  });
  if (download) {
    download.hidden = false;
    download.addEventListener("click", () => {
      const blob = new Blob([lines.join("\n")], { type: "text/plain;charset=utf-8" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `receipt-${receipt.submitted_on}.txt`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    });
  }
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
  }
});
