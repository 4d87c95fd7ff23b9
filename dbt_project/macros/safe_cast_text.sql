{#- safe_cast_text(expr, type): the text `expr` as `type`, or null when it is not a valid `type`.
    (Named safe_cast_text, not safe_cast: dbt ships its own dispatched `safe_cast`, which unit-test
    fixtures use; a project macro of that name, or `<adapter>__safe_cast`, would shadow it.)
    Never raises, so silver can judge every bronze value and quarantine the bad ones.
    What is valid is the contract's rule (banking_dw/contracts.py VALUE_PATTERNS, through the
    `contract_types()` macro `make contract` writes): the text fully matches its type's pattern, which bounds the digits so the
    cast cannot overflow, and a date names a real calendar day. The caller trims `expr`.
    duckdb: the pattern, then try_cast (null for an impossible day);
    redshift, postgres (default): the pattern, then the calendar checked by arithmetic. -#}
{% macro safe_cast_text(expr, type) -%}
    {{ return(adapter.dispatch('safe_cast_text', 'banking_dw')(expr, type)) }}
{%- endmacro %}


{#- The contract's rule for `type`: {pattern, calendar}; none for varchar (any text is valid). -#}
{% macro contract_type_rule(type) -%}
    {%- set t = type | lower | trim -%}
    {%- if t == 'varchar' -%}{{ return(none) }}{%- endif -%}
    {%- set rules = contract_types() -%}
    {%- if t not in rules -%}
        {{ exceptions.raise_compiler_error("safe_cast_text: the contract has no type " ~ type) }}
    {%- endif -%}
    {{ return(rules[t]) }}
{%- endmacro %}


{#- `cast_sql` only when the date text `day` (already YYYY-MM-DD with month 01-12 and day 01-31)
    names a real calendar day: its day is at most the month's length, leap years included.
    Plain arithmetic, not a to_date round trip: Redshift's non-strict to_date rolls 2023-02-30 over
    to March, but PostgreSQL's raises, which would fail the whole model instead of quarantining one
    row; this form behaves the same on both. -#}
{% macro _calendar_checked(day, cast_sql) -%}
    {%- set year = 'cast(substring(' ~ day ~ ', 1, 4) as integer)' -%}
    case when cast(substring({{ day }}, 9, 2) as integer) <= case cast(substring({{ day }}, 6, 2) as integer)
            when 2 then case when (mod({{ year }}, 4) = 0 and mod({{ year }}, 100) <> 0) or mod({{ year }}, 400) = 0 then 29 else 28 end
            when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30
            else 31
        end
    then {{ cast_sql }} end
{%- endmacro %}


{% macro duckdb__safe_cast_text(expr, type) -%}
    {%- set rule = contract_type_rule(type) -%}
    {%- if rule is none -%}
        {{ expr }}
    {%- elif (type | lower) == 'boolean' -%}
        case when regexp_full_match({{ expr }}, '{{ rule.pattern }}') then lower({{ expr }}) = 'true' end
    {%- else -%}
        case when regexp_full_match({{ expr }}, '{{ rule.pattern }}') then try_cast({{ expr }} as {{ type }}) end
    {%- endif -%}
{%- endmacro %}


{% macro default__safe_cast_text(expr, type) -%}
    {%- set rule = contract_type_rule(type) -%}
    {%- if rule is none -%}
        {{ expr }}
    {%- else -%}
        {%- set matches = expr ~ " ~ '^(" ~ rule.pattern ~ ")$'" -%}
        {%- if (type | lower) == 'boolean' -%}
            {%- set cast_sql = 'lower(' ~ expr ~ ") = 'true'" -%}
        {%- else -%}
            {%- set cast_sql = 'cast(' ~ expr ~ ' as ' ~ type ~ ')' -%}
        {%- endif -%}
        case when {{ matches }} then
            {{ _calendar_checked('left(' ~ expr ~ ', 10)', cast_sql) if rule.calendar else cast_sql }}
        end
    {%- endif -%}
{%- endmacro %}
