{#- Silver's dimensions store runs, not copies: one row per key per run of consecutive extract days
    whose rows are equal, [first_extract_date, last_extract_date]. A bank's full extract repeats
    every customer every day, so a copy per day would make the history, and everything derived from
    it, grow with the days loaded; runs grow with the changes only.

    The candidate_runs materialisation (macros/publish/candidates.sql) copies the published runs
    into the candidate, then loads the window in three steps, each costing the window and the runs
    it touches:
      1. split_runs_around_window(): the stored runs give up the window's days (a run spanning the
         window keeps its parts before and after it);
      2. the window's good rows go in as one-day runs (the model's select);
      3. merge_runs(): the touched keys' runs that meet end to end with equal rows are folded into
         one.
    So reloading a day replaces everything it contributed, and any load order gives the same runs.
    The model's meta names its contract table (`contract_table`), whose key and columns these use. -#}


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


{% macro split_runs_around_window(runs) -%}
    {%- if execute -%}
        {%- set bounds = window_bounds() -%}
        {%- set start, end, before = _day(bounds[0]), _day(bounds[1]), _day_before(bounds[0]) -%}
        {%- set columns = _runs_columns() | join(', ') -%}
        {#- the part after the window of the runs spanning it -#}
        {%- do run_query(
            "insert into " ~ runs ~ " (" ~ columns ~ ", first_extract_date, last_extract_date) select "
            ~ columns ~ ", " ~ end ~ ", last_extract_date from " ~ runs
            ~ " where first_extract_date < " ~ start ~ " and last_extract_date >= " ~ end) -%}
        {%- do run_query(
            "update " ~ runs ~ " set first_extract_date = " ~ end ~ " where first_extract_date >= " ~ start
            ~ " and first_extract_date < " ~ end ~ " and last_extract_date >= " ~ end) -%}
        {%- do run_query(
            "update " ~ runs ~ " set last_extract_date = " ~ before ~ " where first_extract_date < " ~ start
            ~ " and last_extract_date >= " ~ start) -%}
        {%- do run_query(
            "delete from " ~ runs ~ " where first_extract_date >= " ~ start ~ " and last_extract_date < " ~ end) -%}
    {%- endif -%}
{%- endmacro %}


{% macro merge_runs(runs) -%}
    {%- if execute -%}
        {%- set bounds = window_bounds() -%}
        {%- set start, end, before = _day(bounds[0]), _day(bounds[1]), _day_before(bounds[0]) -%}
        {%- set key = _runs_table().key -%}
        {%- set columns = _runs_columns() -%}
        {%- set attributes = [] -%}
        {%- for c in columns if c not in key -%}{%- do attributes.append(c) -%}{%- endfor -%}
        {%- set merged = runs.identifier ~ '__merged_runs' -%}
        {%- set by_key = 'partition by ' ~ key | join(', ') ~ ' order by first_extract_date' -%}
        {%- set key_match = [] -%}
        {%- for k in key -%}{%- do key_match.append(merged ~ '.' ~ k ~ ' = ' ~ runs ~ '.' ~ k) -%}{%- endfor -%}
        {%- set fold -%}
            create temporary table {{ merged }} as
            with touched as (
                select distinct {{ key | join(', ') }}
                from {{ runs }}
                where first_extract_date >= {{ start }} and last_extract_date < {{ end }}
            ),
            nearby as (
                select stored.*, {{ surrogate_key(attributes) }} as row_hash
                from {{ runs }} as stored
                inner join touched
                    on {%- for k in key %} {{ 'and ' if not loop.first }}touched.{{ k }} = stored.{{ k }}{%- endfor %}
                where stored.last_extract_date >= {{ before }} and stored.first_extract_date <= {{ end }}
            ),
            flagged as (
                select
                    nearby.*,
                    case
                        when cast({{ dbt.dateadd('day', 1, 'lag(last_extract_date) over (' ~ by_key ~ ')') }} as date) = first_extract_date
                            and lag(row_hash) over ({{ by_key }}) = row_hash
                            then 0
                        else 1
                    end as starts_run
                from nearby
            ),
            numbered as (
                select
                    flagged.*,
                    sum(starts_run) over ({{ by_key }} rows between unbounded preceding and current row) as run_number
                from flagged
            )
            select {{ columns | join(', ') }}, min(first_extract_date) as first_extract_date, max(last_extract_date) as last_extract_date
            from numbered
            group by {{ columns | join(', ') }}, run_number
        {%- endset -%}
        {%- do run_query(fold) -%}
        {%- do run_query(
            "delete from " ~ runs ~ " where exists (select 1 from " ~ merged ~ " where " ~ key_match | join(' and ')
            ~ ") and last_extract_date >= " ~ before ~ " and first_extract_date <= " ~ end) -%}
        {%- do run_query(
            "insert into " ~ runs ~ " (" ~ columns | join(', ') ~ ", first_extract_date, last_extract_date) select "
            ~ columns | join(', ') ~ ", first_extract_date, last_extract_date from " ~ merged) -%}
        {%- do run_query("drop table " ~ merged) -%}
    {%- endif -%}
{%- endmacro %}
