"""numpy -> pyarrow conversions by contract type, and contract-ordered tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from banking_dw.contracts import ColumnType, contract

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.BIGINT: pa.int64(),
    ColumnType.INTEGER: pa.int32(),
    ColumnType.DECIMAL: pa.decimal128(18, 2),
    ColumnType.RATE: pa.decimal128(18, 6),
    ColumnType.VARCHAR: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.TIMESTAMP: pa.timestamp("s"),
    ColumnType.BOOLEAN: pa.bool_(),
}


def schema_for(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in contract(table).columns])


def contract_table(table: str, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    """A table with exactly the contract's columns, in its order, with its Arrow types."""
    schema = schema_for(table)
    if set(columns) != set(schema.names):
        raise ValueError(f"{table}: got columns {sorted(columns)}, contract has {schema.names}")
    arrays = [_as_arrow(columns[field.name], field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _as_arrow(values: pa.Array | np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values if values.type == arrow_type else values.cast(arrow_type)
    if pa.types.is_decimal(arrow_type):
        return decimal_from_units(values, arrow_type)
    if pa.types.is_timestamp(arrow_type):
        return pa.array(np.asarray(values, dtype=np.int64).astype("datetime64[s]"), type=arrow_type)
    return pa.array(values, type=arrow_type)


MONEY = pa.decimal128(18, 2)


def decimal_from_units(units: np.ndarray, arrow_type: pa.Decimal128Type = MONEY) -> pa.Array:
    """int64 counts of the smallest unit (cents for money) -> decimal128 without Python objects:
    the 128-bit little-endian words are the units and their sign extension."""
    units = np.asarray(units, dtype=np.int64)
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = units >> 63
    return pa.Array.from_buffers(arrow_type, len(units), [None, pa.py_buffer(words)])


def take(pool: pa.Array, indexes: np.ndarray) -> pa.Array:
    return pool.take(pa.array(indexes, type=pa.int64()))


def concat_text(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def digits(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded text."""
    return pc.utf8_lpad(pa.array(values, type=pa.int64()).cast(pa.string()), width, padding="0")
