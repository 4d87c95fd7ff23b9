"""Silver's judgement of a bronze row, defined once: the rules from the contract, as the SQL of
`validated_<model>`, the one model that types and judges each bronze table (written by
`make contract`, banking_dw/dbt/contract_files.py).

A rule is a condition over a row of the model's `typed` CTE (the text as the bank sent it in
`<column>`, trimmed with blank as null in `<column>__text` for a column the cast reads, its typed
value in `<column>__typed`, the extract day in `dt`) and the foreign keys'
lookups, the rule's name (what the checks count rows by) and the SQL of the reason stored with a
quarantined row: the column, the rule and, unless the column is personal data, the value. The
first rule a row breaks is its rule, in this order:

   1. null or empty in a non-nullable column      customer_id: null or empty
   2. not a valid value of the contract type      transaction_amount: not a decimal 'abc'
   3. longer than the contract's length limit     first_name: longer than 255 characters (1048576)
   4. a date outside its plausible range          date_of_birth: before 1900-01-01,
                                                  open_date: after the extract day 2024-01-02 '2024-05-01'
   5. outside the allowed values                  loan_status: not an allowed value 'Maybe'
   6. a negative amount, or zero where it must be positive
                                                  transaction_amount: negative -5.00
   7. a fact's date_id not its partition day      date_id: 20240105 is not the partition day 2024-01-02
   8. a fact's event timestamp not on its partition day
                   transaction_timestamp: 2024-01-03 00:10:00 is not on the partition day 2024-01-02
   9. a foreign key the same day's extract of the referenced table does not know: its row that
      day was quarantined, or there is none
                   account_id: account 7 on 2024-01-02 is quarantined (open_date: not a date '2024-02-30')
                   account_id: unknown account 99 on 2024-01-02
      A key is known when that day's extract has a good row of it, or conflicting copies of it
      (rule 11): the key exists, only its attributes are in doubt.
  10. exact duplicate (every column and dt equal): one copy stays, each extra copy is quarantined
                   transaction_id 42: exact duplicate of a row kept in silver
  11. conflicting copies (same key, different values; per day for dimensions, in the window for
      facts, whose ids are unique across days): every copy is quarantined
                   customer_id 7: conflicting copies of the key (different values), all quarantined

Only text is SQL here, never data: the contract's names, values and limits, quoted as literals.
The SQL is the same on every engine but for the type cast, the dispatched `safe_cast_text` macro.
"""

from __future__ import annotations

from dataclasses import dataclass

from banking_dw.contracts import Column, Sign, TableContract, contract
from banking_dw.value_rules import ColumnType, present_text_sql

CONFLICTING_COPIES = "conflicting copies of the key"
EXACT_DUPLICATE = "exact duplicate"


@dataclass(frozen=True)
class RowRule:
    name: str  # the rule without its value: what checks count quarantined rows by
    condition: str  # SQL, true where a row breaks it
    reason: str  # SQL of the text stored with the row


@dataclass(frozen=True)
class Lookup:
    """A foreign key's view of the same day's extract of the table it references."""

    column: str
    parent: TableContract
    parent_column: str

    @property
    def relation(self) -> str:
        """The CTE of the parent's keys per day: `<column>_in_extract`."""
        return f"{self.column}_in_extract"

    @property
    def entity(self) -> str:
        """The word a reason uses for the referenced table: dim_transaction_types -> transaction type."""
        return entity_word(self.parent)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def as_text(expression: str) -> str:
    return f"cast({expression} as varchar)"


def entity_word(table: TableContract) -> str:
    return table.model_name.removeprefix("dim_").removeprefix("fact_").replace("_", " ")


def validated_model(table: TableContract) -> str:
    return f"validated_{table.model_name}"


def lookups(table: TableContract) -> list[Lookup]:
    return [
        Lookup(c.name, contract(c.references[0]), c.references[1]) for c in table.columns if c.references is not None
    ]


def _quoted_value(column: Column) -> str:
    """` 'value'` after a reason, or nothing for a personal column."""
    return "" if column.personal else f" || ' ''' || {column.name} || ''''"


def _type_word(type: ColumnType) -> str:
    if type in (ColumnType.DECIMAL, ColumnType.RATE):
        return "a decimal"
    if type in (ColumnType.BIGINT, ColumnType.INTEGER):
        return "an integer"
    return f"a {type.value}"


def _plain(name: str, condition: str, column: Column | None = None) -> RowRule:
    """A rule whose reason is its name, then the value unless the column is personal."""
    return RowRule(name, condition, sql_string(name) + (_quoted_value(column) if column else ""))


def date_id_of(expression: str) -> str:
    """The YYYYMMDD integer of a date."""
    return (
        f"cast(extract(year from {expression}) * 10000 + extract(month from {expression}) * 100"
        f" + extract(day from {expression}) as integer)"
    )


def type_rule(column: Column) -> RowRule:
    """Rule 2: text that is there but not a valid value of the column's type (its cast gave null)."""
    return _plain(
        f"{column.name}: not {_type_word(column.type)}",
        f"{read_text(column)} is not null and {column.name}__typed is null",
        column,
    )


def row_rules(table: TableContract) -> list[RowRule]:
    """Rules 1-9 of `table`, in the order a row is judged by."""
    columns = table.columns
    rules: list[RowRule] = []
    for c in columns:
        if not c.nullable:
            rules.append(_plain(f"{c.name}: null or empty", f"{read_text(c)} is null"))
    rules += [type_rule(c) for c in columns if c.type is not ColumnType.VARCHAR]
    for c in columns:
        if c.max_length is not None:
            name = f"{c.name}: longer than {c.max_length} characters"
            rules.append(
                RowRule(
                    name,
                    f"length({c.name}) > {c.max_length}",
                    f"{sql_string(name + ' (')} || {as_text(f'length({c.name})')} || ')'",
                )
            )
    for c in columns:
        if c.earliest is not None:
            rules.append(
                _plain(f"{c.name}: before {c.earliest}", f"{c.name}__typed < cast({sql_string(c.earliest)} as date)", c)
            )
    for c in columns:
        if c.not_after_extract_day:
            name = f"{c.name}: after the extract day"
            rules.append(
                RowRule(name, f"{c.name}__typed > dt", f"{sql_string(name + ' ')} || {as_text('dt')}{_quoted_value(c)}")
            )
    for c in columns:
        if c.allowed_values:
            typed_text = f"{c.name}__typed" if c.type is ColumnType.VARCHAR else as_text(f"{c.name}__typed")
            listed = ", ".join(sql_string(v) for v in c.allowed_values)
            rules.append(
                _plain(
                    f"{c.name}: not an allowed value",
                    f"{c.name}__typed is not null and {typed_text} not in ({listed})",
                    c,
                )
            )
    for comparison, word, signs in (("<", "negative", tuple(Sign)), ("=", "zero", (Sign.POSITIVE,))):
        for c in columns:
            if c.sign in signs:
                name = f"{c.name}: {word}"
                rules.append(
                    RowRule(name, f"{c.name}__typed {comparison} 0", f"{sql_string(name + ' ')} || trim({c.name})")
                )
    references = lookups(table)
    if table.is_fact and any(lookup.column == "date_id" for lookup in references):
        rules.append(
            RowRule(
                "date_id: not the partition day",
                f"date_id__typed <> {date_id_of('dt')}",
                f"'date_id: ' || trim(date_id) || ' is not the partition day ' || {as_text('dt')}",
            )
        )
    for c in columns:
        if table.is_fact and c.type is ColumnType.TIMESTAMP:
            rules.append(
                RowRule(
                    f"{c.name}: not on the partition day",
                    f"cast({c.name}__typed as date) <> dt",
                    f"{sql_string(c.name + ': ')} || trim({c.name}) || ' is not on the partition day ' || {as_text('dt')}",
                )
            )
    for lookup in references:
        unknown = f"coalesce({lookup.relation}.is_known, 0) = 0"
        key_on_day = f"trim({lookup.column}) || ' on ' || {as_text('dt')}"
        rules.append(
            RowRule(
                f"{lookup.column}: {lookup.entity} quarantined",
                f"{unknown} and {lookup.relation}.parent_reason is not null",
                f"{sql_string(f'{lookup.column}: {lookup.entity} ')} || {key_on_day}"
                f" || ' is quarantined (' || {lookup.relation}.parent_reason || ')'",
            )
        )
        rules.append(
            RowRule(
                f"{lookup.column}: unknown {lookup.entity}",
                unknown,
                f"{sql_string(f'{lookup.column}: unknown {lookup.entity} ')} || {key_on_day}",
            )
        )
    return rules


def duplicate_reasons(table: TableContract) -> dict[str, str]:
    """Rules 10 and 11: their name -> the SQL of their reason, naming the key."""
    key_text = " || ', ' || ".join(f"trim({k})" for k in table.key)
    label = sql_string(", ".join(table.key) + " ")
    return {
        CONFLICTING_COPIES: f"{label} || {key_text} || ': conflicting copies of the key (different values), all quarantined'",
        EXACT_DUPLICATE: f"{label} || {key_text} || ': exact duplicate of a row kept in silver'",
    }


def is_read_as_text(column: Column) -> bool:
    """Whether the cast reads the column's trimmed text (`<column>__text`): every type but text."""
    return column.type is not ColumnType.VARCHAR


def text_expression(column: Column) -> str:
    """The text as rules 1 and 2 and the cast read it: null where missing or blank. Kept as
    `<column>__text` where the cast reads it, so the cast and the rules trim it once."""
    return present_text_sql(column.name)


def read_text(column: Column) -> str:
    """The column's text as rules 1 and 2 read it: its `<column>__text`, or the expression itself."""
    return f"{column.name}__text" if is_read_as_text(column) else text_expression(column)


def typed_expression(column: Column) -> str:
    """The column's typed value: null where the text is missing or not a valid value."""
    if column.type is ColumnType.VARCHAR:
        return f"nullif({column.name}, '')"
    return f"{{{{ safe_cast_text('{read_text(column)}', '{column.type.value}') }}}}"


# --------------------------------------------------------------------------- the model's SQL


def _plain_name(column: str) -> str:
    return column.removesuffix("__typed")


def _reason_arms(reasons: dict[str, str]) -> list[str]:
    """A `case <rule>` arm per rule: its reason's SQL."""
    return [f"when {sql_string(name)} then {reason}" for name, reason in reasons.items()]


def _lines(items: list[str], indent: int, separator: str = ",") -> str:
    pad = " " * indent
    return (separator + "\n").join(pad + item for item in items)


def _arrived(table: TableContract, erased: dict[str, str], erasure_key: str | None) -> str:
    """The window's bronze rows; an erased customer's personal values as their placeholders."""
    source = f"{{{{ source('bronze', '{table.name}') }}}}"
    if not erased:
        columns = [c.name for c in table.columns] + ["dt"]
        return f"    select\n{_lines(columns, 8)}\n    from {source}\n    where {{{{ window_filter('dt') }}}}"
    columns = [
        f"case when erased.customer_id is not null then {sql_string(erased[c.name])} else bronze.{c.name} end as {c.name}"
        if c.name in erased
        else f"bronze.{c.name}"
        for c in table.columns
    ] + ["bronze.dt"]
    key_type = table.column(erasure_key).type.value
    return (
        f"    select\n{_lines(columns, 8)}\n    from {source} as bronze\n"
        "    left join (select distinct customer_id from {{ erasure_list() }}) as erased\n"
        f"        on erased.customer_id = {{{{ safe_cast_text(\"{present_text_sql(f'bronze.{erasure_key}')}\", '{key_type}') }}}}\n"
        "    where {{ window_filter('bronze.dt') }}"
    )


def in_extract(lookup: Lookup, parent: str) -> str:
    """Rule 9's view of the parent: the CTE of each key of the day's extract (`parent`, the
    parent's verdict), whether the day has it (a good row, or conflicting copies) and the first
    reason a row of it was quarantined for."""
    known = f"quarantine_rule is null or quarantine_rule = {sql_string(CONFLICTING_COPIES)}"
    not_duplicate = f"quarantine_rule not in ({sql_string(CONFLICTING_COPIES)}, {sql_string(EXACT_DUPLICATE)})"
    return (
        f"{lookup.relation} as (\n\n"
        f"    -- each {lookup.parent_column} of the day's {lookup.parent.name}: known, or quarantined and why\n"
        "    select\n"
        f"        {lookup.parent_column} as parent_key,\n"
        "        dt as extract_day,\n"
        f"        max(case when {known} then 1 else 0 end) as is_known,\n"
        f"        min(case when {not_duplicate} then quarantine_reason end) as parent_reason\n"
        f"    from {parent}\n"
        f"    group by {lookup.parent_column}, dt\n\n"
        ")"
    )


def validated_sql(table: TableContract, header: str, erased: dict[str, str], erasure_key: str | None) -> str:
    """`validated_<model>`: every bronze row of the window, typed and judged once."""
    columns = table.columns
    raw_columns = [c.name for c in columns]
    rules = row_rules(table)
    references = lookups(table)
    key_partition = [f"{k}__typed" for k in table.key] + ([] if table.is_fact else ["dt"])
    texts = [f"{text_expression(c)} as {c.name}__text" for c in columns if is_read_as_text(c)]
    typed = [f"{typed_expression(c)} as {c.name}__typed" for c in columns]
    judged_when = [f"when {rule.condition}\n                then {sql_string(rule.name)}" for rule in rules]
    joins = "".join(
        f"\n    left join {lookup.relation}\n"
        f"        on {lookup.relation}.parent_key = typed.{lookup.column}__typed\n"
        f"        and {lookup.relation}.extract_day = typed.dt"
        for lookup in references
    )
    # What DuckDB keeps of every row for the two branches of rules 10 and 11 (`reasoned`): the text
    # as sent, and the typed values that a cast made; a text column's typed value, the text with
    # blank as null, is cheaper to take again in `final` than to keep.
    kept_typed = [c for c in columns if c.type is not ColumnType.VARCHAR or c.name in table.key]
    kept = [*raw_columns, "dt", *(f"{c.name}__typed" for c in kept_typed)]
    parent_reasons = [f"{lookup.relation}.parent_reason as {lookup.column}__parent_reason" for lookup in references]
    reasons = {rule.name: rule.reason for rule in rules}
    for lookup in references:
        # the parent's reason travels with the row, as the reason's SQL reads it
        reason = reasons[f"{lookup.column}: {lookup.entity} quarantined"]
        reasons[f"{lookup.column}: {lookup.entity} quarantined"] = reason.replace(
            f"{lookup.relation}.parent_reason", f"{lookup.column}__parent_reason"
        )
    row_reason_when = _reason_arms(reasons)
    duplicate_reason_when = _reason_arms(duplicate_reasons(table))
    typed_in_final = [
        f"{c.name}__typed as {c.name}" if c in kept_typed else f"{typed_expression(c)} as {c.name}" for c in columns
    ]
    identical = ", ".join(f"reasoned.{c}" for c in [*raw_columns, "dt"])
    repeated_match = "\n        and ".join(
        f"repeated_keys.repeated_{_plain_name(k)} = reasoned.{k}" for k in key_partition
    )
    ctes = [
        f"arrived as (\n\n{_arrived(table, erased, erasure_key)}\n\n)",
        # trimmed once, for both the cast and the rules
        f"texts as (\n\n    select\n        arrived.*,\n{_lines(texts, 8)}\n    from arrived\n\n)",
        f"typed as (\n\n    select\n        texts.*,\n{_lines(typed, 8)}\n    from texts\n\n)",
        *(in_extract(lookup, f"{{{{ ref('{validated_model(lookup.parent)}') }}}}") for lookup in references),
        "ruled as (\n\n"
        "    -- rules 1-9: the first the row breaks, null when it breaks none\n"
        "    select\n"
        f"{_lines([*(f'typed.{c}' for c in kept), *parent_reasons], 8)},\n"
        "        case\n"
        f"{_lines(judged_when, 12, '')}\n"
        "        end as row_rule\n"
        f"    from typed{joins}\n\n)",
        "reasoned as (\n\n"
        "    -- the reason of rules 1-9 stored with a quarantined row: its rule, key and, unless personal,\n"
        "    -- value; with only the columns the later steps read (DuckDB keeps every column of this\n"
        "    -- step, for the two branches of rules 10 and 11)\n"
        "    select\n"
        f"{_lines(kept, 8)},\n"
        "        row_rule,\n"
        "        case row_rule\n"
        f"{_lines(row_reason_when, 12, '')}\n"
        "        end as row_reason\n"
        "    from ruled\n\n)",
        "repeated_keys as (\n\n"
        "    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these\n"
        "    select\n"
        f"{_lines([f'{k} as repeated_{_plain_name(k)}' for k in key_partition], 8)},\n"
        "        count(*) as key_copies\n"
        "    from reasoned\n"
        "    where row_rule is null\n"
        f"    group by {', '.join(key_partition)}\n"
        "    having count(*) > 1\n\n)",
        "judged as (\n\n"
        "    -- every row once: its rule 1-9, or, carrying a repeated key, rule 11 when the copies are not\n"
        "    -- all identical, else rule 10 for every identical copy but one\n"
        "    select\n"
        "        reasoned.*,\n"
        "        reasoned.row_rule as quarantine_rule\n"
        f"    from reasoned\n    left join repeated_keys\n        on {repeated_match}\n"
        f"    where reasoned.row_rule is not null or repeated_keys.repeated_{_plain_name(key_partition[0])} is null\n\n"
        "    union all\n\n"
        "    select\n"
        "        reasoned.*,\n"
        "        case\n"
        f"            when repeated_keys.key_copies > count(*) over (partition by {identical}) then {sql_string(CONFLICTING_COPIES)}\n"
        f"            when row_number() over (partition by {identical} order by reasoned.dt) > 1 then {sql_string(EXACT_DUPLICATE)}\n"
        "        end as quarantine_rule\n"
        f"    from reasoned\n    inner join repeated_keys\n        on {repeated_match}\n"
        "    where reasoned.row_rule is null\n\n)",
        "explained as (\n\n"
        "    -- the reason stored with a quarantined row: rule 10's or 11's, naming the key, or its row's\n"
        "    select\n"
        "        judged.*,\n"
        "        case quarantine_rule\n"
        f"{_lines(duplicate_reason_when, 12, '')}\n"
        "            else row_reason\n"
        "        end as quarantine_reason\n"
        "    from judged\n\n)",
        "final as (\n\n"
        "    select\n"
        f"{_lines(typed_in_final, 8)},\n"
        "        dt,\n"
        "        quarantine_rule,\n"
        "        quarantine_reason,\n"
        "        -- as the bank sent it, for a quarantined row only: silver keeps the typed value\n"
        f"{_lines([f'case when quarantine_rule is not null then {c} end as {c}__as_sent' for c in raw_columns], 8)}\n"
        "    from explained\n\n)",
    ]
    return (
        header
        + f"\n-- {validated_model(table)}: every bronze row of {table.name} in the window, typed and judged\n"
        + f"-- once (rules: banking_dw/dbt/validation.py); stg_{table.model_name} keeps the good rows,\n"
        + f"-- quarantine_{table.model_name} the others.\n\nwith\n\n"
        + ",\n\n".join(ctes)
        + "\n\nselect * from final\n"
    )


def staging_sql(table: TableContract, header: str) -> str:
    """`stg_<model>`: the window's good rows, typed; a dimension's as one-day runs (macros/silver/runs.sql)."""
    days = ["dt as partition_date"] if table.is_fact else ["dt as first_extract_date", "dt as last_extract_date"]
    return (
        header
        + f"\nselect\n{_lines([*table.column_names, *days], 4)}\n"
        + f"from {{{{ ref('{validated_model(table)}') }}}}\nwhere quarantine_rule is null\n"
    )


def quarantine_sql(table: TableContract, header: str) -> str:
    """`quarantine_<model>`: the window's rows that break a rule, as the bank sent them."""
    columns = [f"{c}__as_sent as {c}" for c in table.column_names] + ["dt", "quarantine_rule", "quarantine_reason"]
    return (
        header
        + f"\nselect\n{_lines(columns, 4)}\n"
        + f"from {{{{ ref('{validated_model(table)}') }}}}\nwhere quarantine_rule is not null\n"
    )
