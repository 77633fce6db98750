// Charts from JSON embedded in the page (no extra request): Chart.js, vendored at build.
document.addEventListener("DOMContentLoaded", () => {
  // Eight colours no two alike (Okabe-Ito, darkened where a bar on white needs it): the
  // runway's seven stages each get their own.
  const palette = ["#0b3d91", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6941c6", "#8a5a00"];
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  // On a phone every chart gets a readable shape (a wide 16:1 strip would be 25 px tall)
  // and a bar chart lying on its side names every bar, not every other one.
  const phone = window.innerWidth < 600;
  function draw(canvasId, config) {
    const canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return;
    const options = config.options || {};
    if (phone) options.aspectRatio = 1.2;
    if (options.indexAxis === "y") {
      options.scales = options.scales || {};
      options.scales.y = { ...(options.scales.y || {}), ticks: { autoSkip: false } };
    }
    new Chart(canvas, { ...config, options });
  }
  const weekly = data("weekly-data");
  if (weekly) {
    const weeks = Object.keys(weekly);
    const words = (document.getElementById("weekly") || { dataset: {} }).dataset;  // translated
    draw("weekly", {
      type: "bar",
      data: {
        labels: weeks,
        datasets: [
          { label: words.clicks || "Clicks", data: weeks.map((w) => weekly[w].clicks), backgroundColor: palette[0] },
          { label: words.leads || "Leads", data: weeks.map((w) => weekly[w].leads), backgroundColor: palette[1] },
        ],
      },
      // A y axis of at least 0 to 5: a single click must not fill the chart to the top.
      options: { animation: false, scales: { y: { beginAtZero: true, suggestedMax: 5, ticks: { precision: 0 } } } },
    });
  }
  const programme = data("programme-data");
  if (programme && programme.hit_rate) {
    const rates = programme.hit_rate;
    draw("hit-rate", {
      type: "bar",
      data: {
        labels: rates.map((r) => r[0]),
        datasets: [{ label: "Partners reaching it (%)", data: rates.map((r) => Math.round(100 * r[1])), backgroundColor: palette[0] }],
      },
      options: { indexAxis: "y", animation: false, scales: { x: { beginAtZero: true, max: 100 } } },
    });
    const cohorts = programme.runway_cohorts || {};
    const months = Object.keys(cohorts);
    const stages = programme.stages || [];
    const stageLabels = programme.stage_labels || stages;
    draw("runway-cohorts", {
      type: "bar",
      data: {
        labels: months,
        datasets: stages.map((stage, i) => ({ label: stageLabels[i], data: months.map((m) => cohorts[m][stage]), backgroundColor: palette[i % palette.length] })),
      },
      options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (programme && programme.participation) {
    const rates = programme.participation || [];
    draw("participation", {
      type: "bar",
      data: {
        labels: rates.map((r) => r.campaign),
        datasets: [{ label: "Participation rate (%)", data: rates.map((r) => Math.round(100 * r.rate)), backgroundColor: palette[0] }],
      },
      options: { animation: false, scales: { y: { beginAtZero: true, max: 100 } } },
    });
    const funnel = programme.funnel || [];
    draw("funnel", {
      type: "bar",
      data: {
        labels: funnel.map((f) => f[0]),
        datasets: [{ label: "Partners", data: funnel.map((f) => f[1]), backgroundColor: palette[2] }],
      },
      options: { indexAxis: "y", animation: false },
    });
    const live = programme.live_rate || {};
    draw("live-rate", {
      type: "line",
      data: {
        labels: Object.keys(live),
        datasets: [{ label: "Live rate (%)", data: Object.values(live).map((v) => Math.round(100 * v)), borderColor: palette[1], tension: 0.2 }],
      },
      options: { animation: false, scales: { y: { beginAtZero: true, max: 100 } } },
    });
    const cohorts = programme.cohorts || {};
    const months = Object.keys(cohorts);
    draw("cohorts", {
      type: "bar",
      data: {
        labels: months,
        datasets: [
          { label: "Signed", data: months.map((m) => cohorts[m].signed), backgroundColor: palette[4] },
          { label: "Live", data: months.map((m) => cohorts[m].live), backgroundColor: palette[1] },
        ],
      },
      options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
});
