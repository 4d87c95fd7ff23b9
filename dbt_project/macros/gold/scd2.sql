{#- SCD Type 2 from a silver dimension stored as runs (macros/silver/runs.sql), a full extract: every
    key that exists on a day is in that day's file.

    A key's runs form spells of presence: a spell ends when the key is absent from the next day
    loaded after its run (a day never loaded is no evidence; a quarantined row still names its
    key), and it vanished that day; the key reappearing begins a new spell. Within a spell, a version is a distinct (key, updated_at); its
    attributes are those of its latest run, the latest extract day that had it (extract_date), so
    a change that keeps updated_at is kept, not versioned (the check
    scd2_changed_without_new_version names it). valid_from = updated_at (in a later spell, never
    before the day it reappeared); valid_to = the next version's valid_from, the day the key
    vanished (as dbt snapshots' hard_deletes: invalidate), or the 9999-12-31 sentinel;
    is_current = valid_to is the sentinel. Rebuilt from the runs, whose number grows with the
    changes, not with the days loaded; the same whatever order the days were loaded in. `columns`
    are the dimension's contract columns in order. -#}
{% macro scd2_versions(runs_model, key, surrogate_key_name, columns) -%}
with

runs as (

    select * from {{ ref(runs_model) }}

),

{#- What the windows below order and compare: the key and the dates. The attributes, most of a
    run's bytes, join back once in `final` instead of being sorted with every window. -#}
run_dates as (

    select {{ key }}, updated_at, first_extract_date, last_extract_date from runs

),

{#- the days loaded, as islands of consecutive days: whether the day after a run was loaded -#}
spans as (

    select distinct first_extract_date, last_extract_date from run_dates

),

reach as (

    select
        spans.*,
        max(last_extract_date) over (
            order by first_extract_date, last_extract_date rows between unbounded preceding and 1 preceding
        ) as reached_before
    from spans

),

island_starts as (

    select
        reach.*,
        sum(
            case when reached_before is null or first_extract_date > {{ _next_day('reached_before') }} then 1 else 0 end
        ) over (order by first_extract_date, last_extract_date rows between unbounded preceding and current row) as island
    from reach

),

islands as (

    select
        island,
        max(last_extract_date) as last_loaded_day,
        lead(min(first_extract_date)) over (order by island) as next_island_first_day
    from island_starts
    group by island

),

{#- a quarantined row still names its key: the key was in that day's extract -#}
quarantined as (

    select distinct trim({{ key }}) as natural_key, dt
    from {{ ref(runs_model | replace('stg_', 'quarantine_', 1)) }}

),

next_runs as (

    select
        run_dates.*,
        lead(run_dates.first_extract_date) over (partition by run_dates.{{ key }} order by run_dates.first_extract_date) as next_first_extract_date
    from run_dates

),

next_loaded as (

    select
        next_runs.*,
        case
            when next_runs.last_extract_date < islands.last_loaded_day then {{ _next_day('next_runs.last_extract_date') }}
            else islands.next_island_first_day
        end as next_loaded_day
    from next_runs
    inner join island_starts
        on
            island_starts.first_extract_date = next_runs.first_extract_date
            and island_starts.last_extract_date = next_runs.last_extract_date
    inner join islands on islands.island = island_starts.island

),

{#- the key is absent from the next day loaded after its run: it vanished that day -#}
vanishings as (

    select
        next_loaded.*,
        case
            when next_loaded.next_loaded_day is not null
                and coalesce(next_loaded.next_first_extract_date > next_loaded.next_loaded_day, true)
                and quarantined.natural_key is null
                then next_loaded.next_loaded_day
        end as vanished_on
    from next_loaded
    left join quarantined
        on
            quarantined.natural_key = cast(next_loaded.{{ key }} as {{ dbt.type_string() }})
            and quarantined.dt = next_loaded.next_loaded_day

),

spells as (

    select
        vanishings.*,
        coalesce(sum(case when vanished_on is null then 0 else 1 end) over (
            partition by {{ key }} order by first_extract_date rows between unbounded preceding and 1 preceding
        ), 0) as spell
    from vanishings

),

spell_bounds as (

    select
        spells.*,
        min(first_extract_date) over (partition by {{ key }}, spell) as spell_first_day,
        max(vanished_on) over (partition by {{ key }}, spell) as spell_vanished_on,
        row_number() over (partition by {{ key }}, spell, updated_at order by last_extract_date desc) as recency
    from spells

),

versions as (

    select
        spell_bounds.*,
        case
            when spell = 0 then updated_at
            else greatest(updated_at, cast(spell_first_day as timestamp))
        end as version_from
    from spell_bounds
    where recency = 1

),

windowed as (

    select
        versions.*,
        lead(versions.version_from) over (partition by versions.{{ key }}, versions.spell order by versions.version_from) as next_version_from
    from versions

),

{#- a version's attributes are its run's: a key has one run starting on a day -#}
final as (

    select
        case
            when windowed.spell = 0 then {{ surrogate_key(['windowed.' ~ key, 'windowed.updated_at']) }}
            else {{ surrogate_key(['windowed.' ~ key, 'windowed.updated_at', 'windowed.version_from']) }}
        end as {{ surrogate_key_name }},
        {%- for column in columns %}
        runs.{{ column }},
        {%- endfor %}
        windowed.version_from as valid_from,
        coalesce(windowed.next_version_from, cast(windowed.spell_vanished_on as timestamp), {{ scd2_end_of_time() }}) as valid_to,
        coalesce(windowed.next_version_from is null and windowed.spell_vanished_on is null, false) as is_current,
        windowed.last_extract_date as extract_date
    from runs
    inner join windowed
        on
            windowed.{{ key }} = runs.{{ key }}
            and windowed.first_extract_date = runs.first_extract_date

)

select * from final
{%- endmacro %}


{% macro _next_day(date_expr) -%}
    cast({{ dbt.dateadd('day', 1, date_expr) }} as date)
{%- endmacro %}


{#- The facts' point-in-time join, written once: `left join` the version of the SCD2 dimension
    `dimension` (as `alias`) whose `key` is `key_expression` and that was valid at the instant `at`,
    over [valid_from, valid_to): valid_from <= at < valid_to. `at` is the event's timestamp, or for a
    daily fact the last second of its day (last_second_of_day). A fact with no version valid then
    keeps its row, with null surrogate keys. -#}
{% macro join_version_valid_at(dimension, alias, key, key_expression, at) -%}
    left join {{ ref(dimension) }} as {{ alias }}
        on
            {{ alias }}.{{ key }} = {{ key_expression }}
            and {{ version_valid_at(alias, at) }}
{%- endmacro %}


{#- The one boundary convention: the version (`alias`) valid at the instant `at`. -#}
{% macro version_valid_at(alias, at) -%}
    {{ alias }}.valid_from <= {{ at }} and {{ at }} < {{ alias }}.valid_to
{%- endmacro %}


{#- The last instant of a day at the contract's precision (seconds): a daily fact takes the versions
    valid at the end of its day. -#}
{% macro last_second_of_day(date_expr) -%}
    cast({{ dbt.dateadd('second', -1, end_of_day(date_expr)) }} as timestamp)
{%- endmacro %}
