{#- Post-hook of every model: its row count, column types and rows per day of the window, logged for
    Dagster's UI as one line that banking_dw/dbt/metadata.py turns into each day's
    `dagster/row_count` and the model's `dagster/column_schema`. Counting inside dbt, right after the
    build, needs no second connection (DuckDB admits none while dbt writes) and keeps Dagster's
    events streaming with the build.

    A day's rows, in one query per model and window (never one per day):
    - a model with meta.window_column (facts, quarantines): the rows of that day;
    - a dimension kept as runs of extract days (silver): the runs the day's extract is in;
    - an SCD2 dimension (gold, restricted): the versions valid at the end of the day;
    - anything else (reference dimensions, the all-history reports) is not per day: `rows_by_day`
      is null and the UI says so instead of repeating the table's total under every day. -#}
{% macro log_table_metadata() %}
    {%- if execute and model.config.materialized != 'view' -%}
        {#- the candidate this build wrote: published only if the build passes -#}
        {%- set built = candidate_of(this) -%}
        {%- set columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(built) -%}
            {#- dtype: the type as the engine names it (data_type adds dbt's own sizes) -#}
            {%- do columns.append([column.name, column.dtype]) -%}
        {%- endfor -%}
        {%- set counted = rows_by_day(built, columns | map(attribute=0) | map('lower') | list) -%}
        {%- do log('banking_dw table metadata: ' ~ tojson({
            'row_count': counted[2],
            'columns': columns,
            'rows_by_day': counted[1],
            'day_rows_are': counted[0],
        }), info=true) -%}
    {%- endif -%}
{% endmacro %}


{#- [what a day's rows are, {day: rows} for every day of the window, the relation's rows], the
    days none where the model is not per day; one query either way. -#}
{% macro rows_by_day(built, column_names) %}
    {%- set window_column = (model.config.get('meta') or {}).get('window_column') -%}
    {%- if window_column -%}
        {%- set sql -%}
            select {{ window_column }} as day, count(*) as row_count from {{ built }}
            where {{ window_filter(window_column) }}
            group by {{ window_column }}
        {%- endset -%}
        {%- set meaning = 'rows of the day' -%}
    {%- elif 'first_extract_date' in column_names and 'last_extract_date' in column_names -%}
        {%- set sql -%}
            with days as ({{ window_days() }})
            select days.day, count(runs.first_extract_date) as row_count
            from days
            left join {{ built }} as runs
                on runs.first_extract_date <= days.day and days.day <= runs.last_extract_date
            group by days.day
        {%- endset -%}
        {%- set meaning = "rows in the day's extract" -%}
    {%- elif 'valid_from' in column_names and 'valid_to' in column_names -%}
        {%- set sql -%}
            with days as ({{ window_days() }})
            select days.day, count(versions.valid_from) as row_count
            from days
            left join {{ built }} as versions
                on {{ version_valid_at('versions', last_second_of_day('days.day')) }}
            group by days.day
        {%- endset -%}
        {%- set meaning = 'versions valid at the end of the day' -%}
    {%- else -%}
        {{ return([none, none, run_query('select count(*) from ' ~ built).columns[0].values()[0] | int]) }}
    {%- endif -%}
    {%- set counts = {} -%}
    {%- for day in window_day_list() -%}
        {%- do counts.update({day: 0}) -%}
    {%- endfor -%}
    {%- set row_count = namespace(value=0) -%}
    {#- the relation's rows come with the days', as the row whose day is null -#}
    {%- for row in run_query(sql ~ '\n            union all\n            select null, count(*) from ' ~ built).rows -%}
        {%- if row[0] is none -%}
            {%- set row_count.value = row[1] | int -%}
        {%- else -%}
            {%- do counts.update({(row[0] | string)[:10]: row[1] | int}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return([meaning, counts, row_count.value]) }}
{% endmacro %}


{#- Every day of the window, as 'YYYY-MM-DD'. -#}
{% macro window_day_list() %}
    {%- set bounds = window_bounds() -%}
    {%- set start = modules.datetime.date.fromisoformat(bounds[0] | string) -%}
    {%- set end = modules.datetime.date.fromisoformat(bounds[1] | string) -%}
    {%- set days = [] -%}
    {%- for offset in range((end - start).days) -%}
        {%- do days.append((start + modules.datetime.timedelta(days=offset)).isoformat()) -%}
    {%- endfor -%}
    {{ return(days) }}
{% endmacro %}


{#- The window's days as a relation with one column, `day` (portable: no generate_series). -#}
{% macro window_days() -%}
    {%- for day in window_day_list() -%}
        select cast('{{ day }}' as date) as day{% if not loop.last %} union all {% endif %}
    {%- endfor -%}
{%- endmacro %}
