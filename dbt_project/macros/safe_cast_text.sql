{#- safe_cast_text(expr, type): the text `expr` as `type`, or null when it is not a valid `type`.
    (Named safe_cast_text, not safe_cast: dbt ships its own dispatched `safe_cast`, which unit-test
    fixtures use; a project macro of that name, or `<adapter>__safe_cast`, would shadow it.)
    Never raises, so silver can judge every bronze value and quarantine the bad ones.
    duckdb: try_cast, regex-guarded so only the contract's formats pass ('1.5' is not an integer,
    '1.234' is not rounded to a decimal(18,2), '2024-1-2' or a timestamp is not a date);
    redshift, postgres (default): regex-guarded CASE, dates checked against the calendar. -#}
{% macro safe_cast_text(expr, type) -%}
    {{ return(adapter.dispatch('safe_cast_text', 'banking_dw')(expr, type)) }}
{%- endmacro %}


{#- (integer digits, fraction digits) of decimal(p,s) -#}
{% macro _decimal_digits(type) -%}
    {%- set inside = (type.split('(')[1] if '(' in type else '18,0)').rstrip(')') -%}
    {%- set precision = inside.split(',')[0] | trim | int -%}
    {%- set scale = (inside.split(',')[1] | trim | int) if ',' in inside else 0 -%}
    {{ return([precision - scale, scale]) }}
{%- endmacro %}


{#- regex (without anchors) of the text of a decimal(p,s): at most p-s integer and s fraction digits -#}
{% macro _decimal_pattern(type) -%}
    {%- set digits = _decimal_digits(type) -%}
    {%- if digits[1] > 0 -%}
        {{ return('[+-]?[0-9]{1,' ~ digits[0] ~ '}([.][0-9]{1,' ~ digits[1] ~ '})?') }}
    {%- else -%}
        {{ return('[+-]?[0-9]{1,' ~ digits[0] ~ '}') }}
    {%- endif -%}
{%- endmacro %}


{#- The contract's formats: YYYY-MM-DD and YYYY-MM-DD HH:MM:SS, nothing looser. -#}
{% macro _date_pattern() -%}
    {{ return('[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])') }}
{%- endmacro %}


{% macro _timestamp_pattern() -%}
    {{ return(_date_pattern() ~ ' ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]') }}
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
    {%- set t = type | lower | trim -%}
    {%- if t in ('varchar', 'text', 'string') -%}
        {{ expr }}
    {%- elif t in ('bigint', 'integer', 'int', 'smallint') -%}
        case when regexp_full_match({{ expr }}, '[+-]?[0-9]+') then try_cast({{ expr }} as {{ t }}) end
    {%- elif t.startswith('decimal') or t.startswith('numeric') -%}
        case when regexp_full_match({{ expr }}, '{{ _decimal_pattern(t) }}') then try_cast({{ expr }} as {{ t }}) end
    {%- elif t == 'boolean' -%}
        case when lower({{ expr }}) in ('true', 'false') then try_cast({{ expr }} as boolean) end
    {%- elif t == 'date' -%}
        case when regexp_full_match({{ expr }}, '{{ _date_pattern() }}') then try_cast({{ expr }} as date) end
    {%- elif t == 'timestamp' -%}
        case when regexp_full_match({{ expr }}, '{{ _timestamp_pattern() }}') then try_cast({{ expr }} as timestamp) end
    {%- else -%}
        {{ exceptions.raise_compiler_error("safe_cast_text: no rule for type " ~ type) }}
    {%- endif -%}
{%- endmacro %}


{% macro default__safe_cast_text(expr, type) -%}
    {%- set t = type | lower | trim -%}
    {%- if t in ('varchar', 'text', 'string') -%}
        {{ expr }}
    {%- elif t in ('integer', 'int') -%}
        case when {{ expr }} ~ '^[+-]?[0-9]{1,9}$' then cast({{ expr }} as {{ t }}) end
    {%- elif t == 'bigint' -%}
        case when {{ expr }} ~ '^[+-]?[0-9]{1,18}$' then cast({{ expr }} as {{ t }}) end
    {%- elif t.startswith('decimal') or t.startswith('numeric') -%}
        case when {{ expr }} ~ '^{{ _decimal_pattern(t) }}$' then cast({{ expr }} as {{ t }}) end
    {%- elif t == 'date' -%}
        case when {{ expr }} ~ '^{{ _date_pattern() }}$' then
            {{ _calendar_checked(expr, 'cast(' ~ expr ~ ' as date)') }}
        end
    {%- elif t == 'timestamp' -%}
        case when {{ expr }} ~ '^{{ _timestamp_pattern() }}$' then
            {{ _calendar_checked('left(' ~ expr ~ ', 10)', 'cast(' ~ expr ~ ' as timestamp)') }}
        end
    {%- elif t == 'boolean' -%}
        case when lower({{ expr }}) = 'true' then true when lower({{ expr }}) = 'false' then false end
    {%- else -%}
        {{ exceptions.raise_compiler_error("safe_cast_text: no rule for type " ~ type) }}
    {%- endif -%}
{%- endmacro %}
