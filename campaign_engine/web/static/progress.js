// Live launch progress: poll the status API and update the bar and table without a reload.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const url = box.dataset.url;
  // "2026-12-08T10:00:00+00:00" -> "2026-12-08 10:00 UTC" (the page's own dates are
  // formatted by the server in the reader's locale; these live updates stay unambiguous).
  const utc = (iso) => new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";
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
    const reviewing = data.waiting_for_review || 0;
    const due = all - later - reviewing;
    const pct = due ? Math.round((100 * done) / due) : 0;
    box.querySelector(".progress span").style.width = pct + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", pct);
    box.querySelector("small").textContent =
      `${done} of ${due} due now are done (${pct}%)` +
      (later ? `; ${later} scheduled for later` : "") +
      (later && data.next_send_at ? `, the next on ${utc(data.next_send_at)}` : "") +
      (reviewing ? `; ${reviewing} waiting for partners' approval` : "") +
      (reviewing && data.first_review_deadline_at
        ? `, the first deadline ${utc(data.first_review_deadline_at)}` : "") +
      (failed ? `, ${failed} failed` : "");
    for (const [channel, next] of Object.entries(data.next_send_by_channel || {})) {
      const cell = document.querySelector(`tr[data-channel="${channel}"] td[data-key="next_send"]`);
      if (cell) cell.textContent = next ? utc(next) : "\u2013";
    }
    const pill = document.getElementById("status");
    pill.textContent = data.status;
    pill.className = `pill ${data.status}`;
    if (!["completed", "cancelled"].includes(data.status)) setTimeout(refresh, 2000);
  }
  setTimeout(refresh, 1000);
})();
