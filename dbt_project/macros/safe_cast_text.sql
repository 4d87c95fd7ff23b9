{#- safe_cast_text(expr, type): the text `expr` (trimmed by the caller) as `type`, or null when it is
    not a valid `type`. Never raises, so silver can judge every bronze value and quarantine the bad
    ones. (Named safe_cast_text, not safe_cast: dbt ships its own dispatched `safe_cast`, which
    unit-test fixtures use; a project macro of that name would shadow it.)
    The SQL is the contract's rule as banking_dw/value_rules.py renders it for each dialect
    (typed_sql), written by `make contract` into value_casts(): the raw checks run the same SQL.
    duckdb: the pattern, then try_cast; redshift, postgres (default): the pattern, the calendar
    checked by arithmetic, then cast. -#}
{% macro safe_cast_text(expr, type) -%}
    {{ return(adapter.dispatch('safe_cast_text', 'banking_dw')(expr, type)) }}
{%- endmacro %}


{% macro duckdb__safe_cast_text(expr, type) -%}
    {{ return(_value_cast('duckdb', expr, type)) }}
{%- endmacro %}


{% macro default__safe_cast_text(expr, type) -%}
    {{ return(_value_cast('default', expr, type)) }}
{%- endmacro %}


{% macro _value_cast(dialect, expr, type) -%}
    {%- set t = type | lower | trim -%}
    {%- if t == 'varchar' -%}{{ return(expr) }}{%- endif -%}
    {%- set casts = value_casts()[dialect] -%}
    {%- if t not in casts -%}
        {{ exceptions.raise_compiler_error("safe_cast_text: the contract has no type " ~ type) }}
    {%- endif -%}
    {{ return(casts[t] | replace('{text}', expr)) }}
{%- endmacro %}
