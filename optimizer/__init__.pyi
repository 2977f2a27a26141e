"""Type stub of the public surface; `lazy_loader` reads it to load each name's module on first use."""

__version__: str

from .assignment import (
    AssignmentProblem as AssignmentProblem,
    AssignmentResult as AssignmentResult,
    assign as assign,
    assignment_problem as assignment_problem,
    nearest_center as nearest_center,
    validate_assignment as validate_assignment,
)
from .demand import (
    DemandSpec as DemandSpec,
    generate_returns as generate_returns,
)
from .domain import (
    CATEGORIES as CATEGORIES,
    REASON_CODES as REASON_CODES,
    CenterCategory as CenterCategory,
    Courier as Courier,
    Depot as Depot,
    DropOffPoint as DropOffPoint,
    LineHaulTariff as LineHaulTariff,
    Load as Load,
    Location as Location,
    Parcel as Parcel,
    PickupRequest as PickupRequest,
    ProcessingCenter as ProcessingCenter,
    Return as Return,
    SlotGrid as SlotGrid,
    TimeWindow as TimeWindow,
)
from .errors import (
    BackhaulError as BackhaulError,
    InfeasibleError as InfeasibleError,
    InputFileError as InputFileError,
    ValidationError as ValidationError,
)
from .fleet import (
    FleetSpec as FleetSpec,
    VehicleType as VehicleType,
)
from .geo.matrices import (
    HaversineSource as HaversineSource,
    MatrixSource as MatrixSource,
    TravelMatrix as TravelMatrix,
    euclidean_matrix as euclidean_matrix,
)
from .geo.region import (
    Region as Region,
    load_region as load_region,
)
from .geo.road_matrix import (
    RoadNetworkSource as RoadNetworkSource,
)
from .io.problem_json import (
    load_problem as load_problem,
    problem_from_dict as problem_from_dict,
)
from .io.solution_json import (
    result_to_dict as result_to_dict,
)
from .live import (
    DayPlan as DayPlan,
    LivePlanner as LivePlanner,
)
from .policy import (
    PolicyBook as PolicyBook,
    ReturnPolicy as ReturnPolicy,
)
from .quoting import (
    ReturnsDesk as ReturnsDesk,
    SlotPolicy as SlotPolicy,
)
from .records import (
    Planned as Planned,
    plan as plan,
    problem_from_records as problem_from_records,
)
from .routing import (
    RoutingProblem as RoutingProblem,
    RoutingResult as RoutingResult,
    SolveParams as SolveParams,
    SolveStatus as SolveStatus,
    UnassignedReason as UnassignedReason,
    solve as solve,
    validate as validate,
)
from .scenario import (
    ScenarioResult as ScenarioResult,
    ScenarioSpec as ScenarioSpec,
    load_scenario as load_scenario,
    simulate as simulate,
)
