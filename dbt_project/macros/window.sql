{#- The partition window Dagster passes on every run: HALF-OPEN, >= min_date and < max_date.
    Applied on every run; never `between`. -#}
{% macro window_filter(column) -%}
    {%- set bounds = window_bounds() -%}
    {{ column }} >= cast('{{ bounds[0] }}' as date) and {{ column }} < cast('{{ bounds[1] }}' as date)
{%- endmacro %}


{#- The window moved `days` earlier, HALF-OPEN like it: the days before the window's days (the
    previous day of each, with 1), for a test that compares a day with the one before. -#}
{% macro window_filter_days_before(column, days) -%}
    {%- set bounds = window_bounds() -%}
    {{ column }} >= cast({{ dbt.dateadd('day', -days, "cast('" ~ bounds[0] ~ "' as date)") }} as date)
    and {{ column }} < cast({{ dbt.dateadd('day', -days, "cast('" ~ bounds[1] ~ "' as date)") }} as date)
{%- endmacro %}


{#- Rows whose [first_column, last_column] (inclusive days, as a run of extract days) meets the
    window. -#}
{% macro overlaps_window(first_column, last_column) -%}
    {%- set bounds = window_bounds() -%}
    {{ last_column }} >= cast('{{ bounds[0] }}' as date) and {{ first_column }} < cast('{{ bounds[1] }}' as date)
{%- endmacro %}


{#- [min_date, max_date): Dagster sets BANKING_DW_MIN_DATE / BANKING_DW_MAX_DATE; by hand, --vars or
    the defaults in dbt_project.yml. Read only while executing: dbt records what parsing reads, and
    a window that changed every run would force a full re-parse every run. -#}
{% macro window_bounds() -%}
    {%- if execute -%}
        {%- set bounds = [env_var('BANKING_DW_MIN_DATE', var('min_date')), env_var('BANKING_DW_MAX_DATE', var('max_date'))] -%}
    {%- else -%}
        {%- set bounds = [var('min_date'), var('max_date')] -%}
    {%- endif -%}
    {#- The bounds reach SQL as literals: only a real YYYY-MM-DD day may. -#}
    {%- for bound in bounds -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', bound | string) -%}
            {{ exceptions.raise_compiler_error("window_bounds: " ~ bound ~ " is not a day (YYYY-MM-DD)") }}
        {%- endif -%}
        {%- do modules.datetime.date.fromisoformat(bound | string) -%}
    {%- endfor -%}
    {{ return(bounds) }}
{%- endmacro %}


{#- date_id (YYYYMMDD integer) of a date expression, portable. -#}
{% macro date_id_of(date_expr) -%}
    cast(extract(year from {{ date_expr }}) * 10000 + extract(month from {{ date_expr }}) * 100 + extract(day from {{ date_expr }}) as integer)
{%- endmacro %}


{#- The instant a daily snapshot is taken at: the start of the next day (exclusive end of the day). -#}
{% macro end_of_day(date_expr) -%}
    cast({{ dbt.dateadd('day', 1, date_expr) }} as timestamp)
{%- endmacro %}
