"""Tables stored as ``<name>.table.json`` files, the same JSON as the TypeScript client writes."""

import json
from typing import Any, List, Optional, Sequence, Union

from .errors import CairnError

TABLE_FILE_SUFFIX = ".table.json"


def _js_number(value: Any) -> Any:
    # JSON.stringify writes 2.0 as 2: the same bytes make the same digest in both clients.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


class Table:
    """Columns and rows of cells (numbers, strings, booleans, None)."""

    def __init__(self, columns: Sequence[str], data: Optional[Sequence[Sequence[Any]]] = None) -> None:
        if not columns:
            raise CairnError("INVALID_INPUT", "A table needs at least one column: pass columns=['a', 'b', …].")
        if len(set(columns)) != len(columns):
            raise CairnError("INVALID_INPUT", "Table column names must be unique.")
        self.columns: List[str] = list(columns)
        self.data: List[List[Any]] = []
        for row in data or []:
            self.add_data(*row)

    def add_data(self, *row: Any) -> None:
        if len(row) != len(self.columns):
            raise CairnError(
                "INVALID_INPUT",
                f"Table row {len(self.data)} has {len(row)} cells but the table has {len(self.columns)} columns "
                f"({', '.join(self.columns)}): give one cell per column.",
            )
        for cell in row:
            if cell is not None and not isinstance(cell, (int, float, str, bool)):
                raise CairnError("INVALID_INPUT", f"Table cell {cell!r}: cells are numbers, strings, booleans or None.")
            if isinstance(cell, float) and cell != cell or cell in (float("inf"), float("-inf")):
                raise CairnError("INVALID_INPUT", "JSON cannot store NaN or Infinity: use None for a missing value.")
        self.data.append([_js_number(c) for c in row])

    def to_json(self) -> dict:
        return {"_type": "table", "columns": self.columns, "data": self.data}


class PartitionedTable:
    """A folder of table parts inside the artifact (``parts_path``)."""

    def __init__(self, parts_path: str) -> None:
        from .naming import normalize_entry_path

        self.parts_path = normalize_entry_path(parts_path)

    def to_json(self) -> dict:
        return {"_type": "partitioned-table", "parts_path": self.parts_path}


Media = Union[Table, PartitionedTable]


def serialize_media(media: Media) -> bytes:
    return json.dumps(media.to_json(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_media(data: bytes) -> Media:
    value = json.loads(data.decode("utf-8"))
    if value.get("_type") == "table":
        return Table(value["columns"], value["data"])
    if value.get("_type") == "partitioned-table":
        return PartitionedTable(value["parts_path"])
    raise CairnError("INVALID_INPUT", f"Unknown media type {value.get('_type')!r} in a .table.json file.")


def table_entry_path(name: str) -> str:
    from .naming import normalize_entry_path

    path = normalize_entry_path(name)
    return path if path.endswith(TABLE_FILE_SUFFIX) else path + TABLE_FILE_SUFFIX
