// Live launch progress: poll the status API and update the bar and table without a reload.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const url = box.dataset.url;
  async function refresh() {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    let all = 0, done = 0, failed = 0;
    for (const [channel, counts] of Object.entries(data.deliveries)) {
      all += counts.pending + counts.sent + counts.failed + counts.skipped;
      done += counts.sent + counts.failed + counts.skipped;
      failed += counts.failed;
      const row = document.querySelector(`tr[data-channel="${channel}"]`);
      if (row) for (const key of Object.keys(counts)) {
        const cell = row.querySelector(`td[data-key="${key}"]`);
        if (cell) cell.textContent = counts[key];
      }
    }
    const later = data.scheduled_later || 0;
    const due = all - later;
    const pct = due ? Math.round((100 * done) / due) : 0;
    box.querySelector(".progress span").style.width = pct + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", pct);
    box.querySelector("small").textContent =
      `${done} of ${due} due now are done (${pct}%)` +
      (later ? `; ${later} scheduled for later` : "") + (failed ? `, ${failed} failed` : "");
    const pill = document.getElementById("status");
    pill.textContent = data.status;
    pill.className = `pill ${data.status}`;
    if (!["completed", "cancelled"].includes(data.status)) setTimeout(refresh, 2000);
  }
  setTimeout(refresh, 1000);
})();
