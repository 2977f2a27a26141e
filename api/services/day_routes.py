"""A day's routes as couriers drive them: stops in order with slot, time and parcels; GeoJSON; a run sheet.

Operators read them. The JSON and the run sheet come from the live plan and the bookings it holds;
the GeoJSON draws every leg along the road graph's fastest path (`optimizer.geo.route_shapes`), and
the planner's map adds the region's roads and the centers' load (`optimizer.maps`).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import select

from api.errors import NotFoundError
from api.schemas import DayRoute, DayRoutesPublic, RouteStop
from api.services.centers import CenterReservations
from api.services.context import ServiceContext
from api.tables import BookingRow
from optimizer.geo.route_shapes import DrawnRoute, RoutePoint, routes_geojson
from optimizer.live import DayPlan, LiveRoute
from optimizer.maps.document import map_document, plan_layer, road_layer
from optimizer.quoting import slot_id

RUN_SHEET_COLUMNS = (
    "sequence",
    "pickup_id",
    "return_id",
    "slot",
    "eta",
    "lat",
    "lon",
    "parcels",
    "weight_kg",
    "deliver",
    "done",
)


class DayRoutes:
    """Read a day's live routes for the people who drive and plan them."""

    def __init__(self, context: ServiceContext, centers: CenterReservations) -> None:
        self.context = context
        self.centers = centers

    @cached_property
    def _roads(self) -> dict[str, Any]:
        return road_layer(self.context.desk.region.road_graph)

    def map(self, day: date) -> dict[str, Any]:
        """The planner's map of the day: its live routes along the roads and the centers' load that day."""
        title = f"{self.context.desk.region.title}: routes of {day.isoformat()}"
        return map_document(
            self.context.desk.region,
            [plan_layer("live routes", self.geojson(day))],
            title=title,
            centers=self.centers.loads(day),
            centers_title=f"Centers: returns to process on {day.isoformat()}",
            roads=self._roads,
        )

    def _read(self, day: date) -> tuple[DayPlan, dict[str, BookingRow]]:
        plan = self.context.current_plan(day)
        with self.context.store.read() as session:
            rows = session.execute(select(BookingRow).where(BookingRow.id.in_(plan.booking_ids()))).scalars()
            return plan, {row.id: row for row in rows}

    def view(self, day: date) -> DayRoutesPublic:
        """Per courier with stops: its distance and the stops in order with slot, estimated time and parcels."""
        plan, bookings = self._read(day)
        desk = self.context.desk
        schedule = desk.planner.schedule(plan)
        routes = []
        for courier, route in plan.routes.items():
            if not route.stops:
                continue
            stops = []
            for stop in route.stops:
                row = bookings[stop.booking_id]
                stops.append(
                    RouteStop(
                        pickup_id=row.id,
                        return_id=row.return_id,
                        slot_id=slot_id(day, stop.window),
                        service_start=desk.local_time(day, schedule[row.id][1]),
                        done=stop.done,
                        lat=row.lat,
                        lon=row.lon,
                        parcels=row.parcels,
                        delivery_parcels=row.delivery_parcels or [],
                    )
                )
            routes.append(DayRoute(courier_id=courier, distance_m=_distance_m(route), stops=stops))
        return DayRoutesPublic(region=self.context.region, date=day, routes=routes)

    def geojson(self, day: date) -> dict[str, Any]:
        """The day's routes as a GeoJSON FeatureCollection: depots and stops, legs along the roads."""
        view = self.view(day)
        planner = self.context.desk.planner
        depots = {depot.id: depot for depot in planner.depots}
        plan = self.context.current_plan(day)
        drawn = []
        for route in view.routes:
            courier = planner.couriers[planner.courier_index[route.courier_id]]
            live = {stop.booking_id: stop for stop in plan.routes[route.courier_id].stops}

            def depot(depot_id: str, role: str) -> RoutePoint:
                node, access = planner.depot_point(depot_id)
                where = depots[depot_id].location
                return RoutePoint(node, access, where.lon, where.lat, {"id": depot_id, "kind": role})

            points = [depot(courier.start_depot_id, "start")]
            for k, stop in enumerate(route.stops):
                properties = stop.model_dump(mode="json", include={"pickup_id", "slot_id", "service_start", "done"})
                points.append(
                    RoutePoint(
                        live[stop.pickup_id].node,
                        live[stop.pickup_id].access_m,
                        stop.lon,
                        stop.lat,
                        {"id": stop.pickup_id, "kind": "stop", "sequence": k + 1, **properties},
                    )
                )
            points.append(depot(courier.end_depot_id, "end"))
            drawn.append(DrawnRoute(route.courier_id, points))
        return routes_geojson(self.context.desk.region.road_graph, drawn)

    def run_sheet(self, day: date, courier_id: str) -> str:
        """One courier's run sheet as CSV: a line per stop in driving order (404 if it has no route that day)."""
        route = next((r for r in self.view(day).routes if r.courier_id == courier_id), None)
        if route is None:
            raise NotFoundError(f"courier {courier_id} has no stops on {day}")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(RUN_SHEET_COLUMNS)
        for k, stop in enumerate(route.stops, start=1):
            count = sum(int(p.get("count", 1)) for p in stop.parcels)
            weight = sum(int(p["weight_g"]) * int(p.get("count", 1)) for p in stop.parcels) / 1000
            deliver = sum(int(p.get("count", 1)) for p in stop.delivery_parcels)
            eta = stop.service_start.strftime("%H:%M")
            where = (stop.lat, stop.lon)
            row = (k, stop.pickup_id, stop.return_id, stop.slot_id, eta, *where, count, weight, deliver, stop.done)
            writer.writerow(row)
        return out.getvalue()


def _distance_m(route: LiveRoute) -> int:
    """Metres the route drives, depot to depot (the legs the plan holds)."""
    return sum(stop.leg_m for stop in route.stops) + route.end_leg_m
