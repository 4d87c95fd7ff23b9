{#- Silver's dimensions store runs, not copies: one row per key per run of consecutive extract days
    whose rows are equal, [first_extract_date, last_extract_date]. A bank's full extract repeats
    every customer every day, so a copy per day would make the history, and everything derived from
    it, grow with the days loaded; runs grow with the changes only.

    The candidate_runs materialisation (macros/publish/candidates.sql) builds the candidate in one
    statement, runs_with_window(): the published runs give up the window's days (a run spanning the
    window keeps its parts before and after it), the window's good rows (the model's select) come
    in as one-day runs, and runs of a key that meet end to end with equal rows are folded into one.
    So reloading a day replaces everything it contributed, and any load order gives the same runs.
    Its cost is the runs' (the changes), not the days'. The model's meta names its contract table
    (`contract_table`), whose key and columns these use. -#}


{% macro _runs_table() -%}
    {{ return(contract_table(model.config.meta.contract_table)) }}
{%- endmacro %}


{% macro _runs_columns() -%}
    {%- set names = [] -%}
    {%- for column in contract_columns(model.config.meta.contract_table) -%}{%- do names.append(column.name) -%}{%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro _day(text) -%}
    {{ return("cast('" ~ text ~ "' as date)") }}
{%- endmacro %}


{% macro _day_before(text) -%}
    {{ return(_day((modules.datetime.date.fromisoformat(text) - modules.datetime.timedelta(days=1)).isoformat())) }}
{%- endmacro %}


{#- The runs after loading the window: `published` (none before the first load) without the
    window's days, with `window_runs` (a select of one-day runs), folded. -#}
{% macro runs_with_window(published, window_runs) -%}
    {%- set bounds = window_bounds() -%}
    {%- set start, end, before = _day(bounds[0]), _day(bounds[1]), _day_before(bounds[0]) -%}
    {%- set key = _runs_table().key -%}
    {%- set columns = _runs_columns() -%}
    {%- set attributes = [] -%}
    {%- for c in columns if c not in key -%}{%- do attributes.append(c) -%}{%- endfor -%}
    {%- set by_key = 'partition by ' ~ key | join(', ') ~ ' order by first_extract_date' -%}
with

arrived as (

    select {{ columns | join(', ') }}, first_extract_date, last_extract_date
    from ({{ window_runs }}) as window_runs

),

{%- if published is not none %}

kept_before as (

    select {{ columns | join(', ') }}, first_extract_date, least(last_extract_date, {{ before }}) as last_extract_date
    from {{ published }}
    where first_extract_date < {{ start }}

),

kept_after as (

    select {{ columns | join(', ') }}, greatest(first_extract_date, {{ end }}) as first_extract_date, last_extract_date
    from {{ published }}
    where last_extract_date >= {{ end }}

),
{%- endif %}

runs as (

    select * from arrived
    {%- if published is not none %}
    union all
    select * from kept_before
    union all
    select * from kept_after
    {%- endif %}

),

hashed as (

    select runs.*, {{ surrogate_key(attributes) }} as row_hash
    from runs

),

flagged as (

    select
        hashed.*,
        case
            when cast({{ dbt.dateadd('day', 1, 'lag(last_extract_date) over (' ~ by_key ~ ')') }} as date) = first_extract_date
                and lag(row_hash) over ({{ by_key }}) = row_hash
                then 0
            else 1
        end as starts_run
    from hashed

),

numbered as (

    select
        flagged.*,
        sum(starts_run) over ({{ by_key }} rows between unbounded preceding and current row) as run_number
    from flagged

)

select
    {{ columns | join(', ') }},
    min(first_extract_date) as first_extract_date,
    max(last_extract_date) as last_extract_date
from numbered
group by {{ columns | join(', ') }}, run_number
{%- endmacro %}
