/* The planner's page: read the day's map from the API with the operator key, then draw it. */
"use strict";
(function () {
  const form = document.getElementById("load");
  const key = document.getElementById("key");
  const day = document.getElementById("day");
  const status = document.getElementById("status");
  const asked = new URLSearchParams(location.search).get("date");
  day.value = asked || new Date().toISOString().slice(0, 10);
  key.value = sessionStorage.getItem("backhaul-key") || "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "loading\u2026";
    sessionStorage.setItem("backhaul-key", key.value);
    try {
      const response = await fetch(`/v1/days/${encodeURIComponent(day.value)}/map`, { headers: { "X-API-Key": key.value } });
      const body = await response.json();
      if (!response.ok) {
        status.textContent = `${response.status}: ${body.detail || body.message || JSON.stringify(body)}`;
        return;
      }
      status.textContent = "";
      window.BackhaulMap.render(document.getElementById("map"), body);
    } catch (error) {
      status.textContent = `cannot read the map: ${error}`;
    }
  });
  if (key.value) form.requestSubmit();
})();
