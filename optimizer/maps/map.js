/* Backhaul's route map: an SVG drawing of a region's roads, one or more plans' routes along them,
   the sites and the centers' load. It needs no network: the page carries its data (see map_document). */
"use strict";
(function (global) {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
    "#31a354", "#756bb1", "#636363"];
  const STOP_PX = 3.5;
  const SITE_PX = { depot: 6, center: 8, drop_off: 3 };

  function make(name, attributes, parent, ns) {
    const node = ns === "html" ? document.createElement(name) : document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }
  const html = (name, attributes, parent) => make(name, attributes, parent, "html");

  function projection(origin) {
    const kx = 111320 * Math.cos((origin[1] * Math.PI) / 180);
    const ky = 110540;
    return (lon, lat) => [(lon - origin[0]) * kx, (origin[1] - lat) * ky];
  }

  function roadPaths(roads, project) {
    const xy = [];
    for (let i = 0; i < roads.nodes.length; i += 2) {
      xy.push(project(roads.origin[0] + roads.nodes[i] / roads.scale, roads.origin[1] + roads.nodes[i + 1] / roads.scale));
    }
    const path = (pairs) => {
      const parts = [];
      for (let i = 0; i < pairs.length; i += 2) {
        const a = xy[pairs[i]], b = xy[pairs[i + 1]];
        parts.push(`M${a[0].toFixed(1)} ${a[1].toFixed(1)}L${b[0].toFixed(1)} ${b[1].toFixed(1)}`);
      }
      return parts.join("");
    };
    return { xy, minor: path(roads.minor), major: path(roads.major) };
  }

  function linePath(coordinates, project) {
    return coordinates.map((c, k) => { const p = project(c[0], c[1]); return `${k ? "L" : "M"}${p[0].toFixed(1)} ${p[1].toFixed(1)}`; }).join("");
  }

  function describe(properties) {
    return Object.entries(properties).filter(([k]) => k !== "courier_id").map(([k, v]) => `${k}: ${v}`).join("\n");
  }

  /* Every courier of a plan: its colour, legs, stops and extent. */
  function couriersOf(plan) {
    const byId = new Map();
    for (const feature of plan.routes.features) {
      const id = feature.properties.courier_id;
      if (!byId.has(id)) byId.set(id, { id, legs: [], points: [] });
      const courier = byId.get(id);
      (feature.geometry.type === "LineString" ? courier.legs : courier.points).push(feature);
    }
    return [...byId.values()];
  }

  function render(root, data) {
    root.textContent = "";
    root.classList.add("bh-map");
    const project = projection(data.roads.origin);
    const roads = roadPaths(data.roads, project);
    const xs = roads.xy.map((p) => p[0]), ys = roads.xy.map((p) => p[1]);
    const full = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
    const stage = html("div", { class: "bh-stage" }, root);
    const svg = make("svg", { class: "bh-svg", role: "img", "aria-label": data.title }, stage);
    make("path", { class: "bh-road bh-minor", d: roads.minor }, svg);
    make("path", { class: "bh-road bh-major", d: roads.major }, svg);
    const planLayer = make("g", { class: "bh-plans" }, svg);
    const siteLayer = make("g", { class: "bh-sites" }, svg);
    const scaled = [];  /* [circle, pixels] kept a constant size on screen */
    const dot = (parent, lon, lat, pixels, attributes, text) => {
      const p = project(lon, lat);
      const circle = make("circle", { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 1, ...attributes }, parent);
      if (text) make("title", {}, circle).textContent = text;
      scaled.push([circle, pixels]);
      return circle;
    };
    for (const site of data.sites) {
      dot(siteLayer, site.lon, site.lat, SITE_PX[site.kind] || 4, { class: `bh-site bh-${site.kind}` }, `${site.kind}: ${site.id}`);
    }
    const view = { ...full };
    const state = { plans: [], couriers: new Map() };
    const controls = html("div", { class: "bh-panel" }, root);
    html("h2", {}, controls).textContent = data.title;
    const planChoice = html("div", { class: "bh-plan-choice" }, controls);
    const list = html("ul", { class: "bh-couriers" }, controls);

    data.plans.forEach((plan, index) => {
      const group = make("g", { class: "bh-plan", "data-plan": plan.name }, planLayer);
      for (const flow of plan.flows || []) {
        const a = project(flow.from[0], flow.from[1]), b = project(flow.to[0], flow.to[1]);
        make("line", { class: "bh-flow", x1: a[0], y1: a[1], x2: b[0], y2: b[1], "stroke-width": 1 + 5 * flow.share }, group);
      }
      const couriers = couriersOf(plan).map((courier, k) => {
        const colour = COLOURS[k % COLOURS.length];
        const g = make("g", { class: "bh-courier", "data-courier": courier.id, stroke: colour, fill: colour }, group);
        const d = courier.legs.map((leg) => linePath(leg.geometry.coordinates, project)).join("");
        make("title", {}, make("path", { class: "bh-route", d }, g)).textContent = `courier ${courier.id}`;
        for (const point of courier.points) {
          const [lon, lat] = point.geometry.coordinates;
          if (point.properties.kind === "stop") dot(g, lon, lat, STOP_PX, { class: "bh-stop" }, describe(point.properties));
        }
        const box = courier.legs.flatMap((leg) => leg.geometry.coordinates).map((c) => project(c[0], c[1]));
        return { id: courier.id, colour, group: g, stops: courier.points.filter((p) => p.properties.kind === "stop").length, box };
      });
      state.plans.push({ name: plan.name, group, couriers });
      if (data.plans.length > 1) {
        const label = html("label", {}, planChoice);
        const radio = html("input", { type: "radio", name: "bh-plan", value: plan.name }, label);
        radio.checked = index === 0;
        radio.addEventListener("change", () => showPlan(index));
        label.append(` ${plan.name}`);
      }
    });

    function showPlan(index) {
      state.plans.forEach((plan, k) => plan.group.setAttribute("display", k === index ? "inline" : "none"));
      list.textContent = "";
      state.couriers = new Map();
      const plan = state.plans[index];
      if (!plan.couriers.length) html("li", {}, list).textContent = "no routes";
      for (const courier of plan.couriers) {
        const item = html("li", { "data-courier": courier.id }, list);
        const box = html("input", { type: "checkbox", title: "show this route" }, item);
        box.checked = true;
        box.addEventListener("change", () => courier.group.setAttribute("display", box.checked ? "inline" : "none"));
        html("span", { class: "bh-swatch", style: `background:${courier.colour}` }, item);
        const name = html("button", { type: "button", class: "bh-link", title: "zoom to this route" }, item);
        name.textContent = `${courier.id} (${courier.stops} stops)`;
        name.addEventListener("click", () => zoomTo(courier.box));
        state.couriers.set(courier.id, courier);
      }
    }

    if (data.centers && data.centers.length) {
      html("h3", {}, controls).textContent = data.centers_title || "Processing centers";
      const table = html("table", { class: "bh-centers" }, controls);
      for (const center of data.centers) {
        const row = html("tr", { "data-center": center.id }, table);
        html("td", {}, row).textContent = center.id;
        const share = center.capacity ? Math.min(1, center.used / center.capacity) : 0;
        const bar = html("td", { class: "bh-bar" }, row);
        html("span", { style: `width:${(100 * share).toFixed(0)}%` }, bar);
        html("td", {}, row).textContent = `${center.used} / ${center.capacity ?? "no limit"}`;
      }
    }
    html("p", { class: "bh-attribution" }, controls).textContent = data.attribution;

    function apply() {
      svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
      const perPixel = view.w / Math.max(1, svg.clientWidth || 800);
      for (const [circle, pixels] of scaled) circle.setAttribute("r", (pixels * perPixel).toFixed(2));
    }
    function fit(box) {
      const rect = svg.getBoundingClientRect();
      const aspect = rect.width && rect.height ? rect.height / rect.width : 0.75;
      const margin = Math.max(box.w, box.h, 200) * 0.05;
      const w = Math.max(box.w + 2 * margin, (box.h + 2 * margin) / aspect);
      Object.assign(view, { x: box.x + box.w / 2 - w / 2, y: box.y + box.h / 2 - (w * aspect) / 2, w, h: w * aspect });
      apply();
    }
    function zoomTo(points) {
      if (!points.length) return;
      const px = points.map((p) => p[0]), py = points.map((p) => p[1]);
      fit({ x: Math.min(...px), y: Math.min(...py), w: Math.max(...px) - Math.min(...px), h: Math.max(...py) - Math.min(...py) });
    }
    function zoom(factor, cx, cy) {
      const x = cx ?? view.x + view.w / 2, y = cy ?? view.y + view.h / 2;
      Object.assign(view, { x: x - (x - view.x) * factor, y: y - (y - view.y) * factor, w: view.w * factor, h: view.h * factor });
      apply();
    }
    const buttons = html("div", { class: "bh-zoom" }, stage);
    for (const [text, action] of [["+", () => zoom(0.5)], ["\u2212", () => zoom(2)], ["fit", () => fit(full)]]) {
      const button = html("button", { type: "button" }, buttons);
      button.textContent = text;
      button.addEventListener("click", action);
    }
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      const x = view.x + ((event.clientX - rect.left) / rect.width) * view.w;
      const y = view.y + ((event.clientY - rect.top) / rect.height) * view.h;
      zoom(event.deltaY > 0 ? 1.25 : 0.8, x, y);
    }, { passive: false });
    let drag = null;
    svg.addEventListener("pointerdown", (event) => { drag = { x: event.clientX, y: event.clientY }; svg.setPointerCapture(event.pointerId); });
    svg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const perPixel = view.w / svg.getBoundingClientRect().width;
      view.x -= (event.clientX - drag.x) * perPixel;
      view.y -= (event.clientY - drag.y) * perPixel;
      drag = { x: event.clientX, y: event.clientY };
      apply();
    });
    svg.addEventListener("pointerup", () => { drag = null; });
    global.addEventListener("resize", () => apply());
    showPlan(0);
    fit(full);
    root.backhaulMap = { showPlan, zoomTo, couriers: () => [...state.couriers.keys()] };
    return root.backhaulMap;
  }

  global.BackhaulMap = { render };
})(window);
