{#-
    validation_ctes(table): the CTEs that judge every bronze row of `table` in the window, shared by
    stg_<model> (the rows whose quarantine_reason is null) and quarantine_<model> (the others), so
    the two partition the bronze rows: every row lands in exactly one of them.

    Emits `<table>__source`, `<table>__typed`, `<table>__checked`, `<table>__ranked` and
    `<table>__validated`. `<table>__validated` has the raw text columns, `dt`, `<column>__typed` for
    each column, `quarantine_rule` and `quarantine_reason`: null for a good row, else the FIRST
    failing rule (macros/silver/rules.sql), naming the column and, unless the column is personal
    data, the offending value, in this order:
      1. null or empty in a non-nullable column      "customer_id: null or empty"
      2. not a valid value of the contract type      "transaction_amount: not a decimal 'abc'"
      3. longer than the contract's length limit     "first_name: longer than 255 characters (1048576)"
      4. a date outside its plausible range          "date_of_birth: before 1900-01-01",
                                                      "join_date: after the extract day 2024-01-02 '2024-05-01'"
      5. value outside the allowed values            "loan_status: not an allowed value 'Maybe'"
      6. negative / zero amount                       "transaction_amount: negative -5.00"
      7. a fact's date_id not its partition day       "date_id: 20240105 is not the partition day 2024-01-02"
      8. a fact's event timestamp not on its partition day
                      "transaction_timestamp: 2024-01-03 00:10:00 is not on the partition day 2024-01-02"
      9. a foreign key not known in the same day's extract of the referenced table: that day's row
         of the key was quarantined, or there is none
                      "customer_id: customer 7 on 2024-01-02 is quarantined (join_date: not a date '2024-02-30')"
                      "account_id: unknown account 99 on 2024-01-02"
         A key is known when silver holds it that day (the referenced dimension's run covers the
         day), or when its copies that day conflict (rule 11): the key exists, only its
         attributes are in doubt.
     10. exact duplicate (every column and dt equal): one copy stays, each extra copy is quarantined
                      "transaction_id 42: exact duplicate of a row kept in silver"
     11. conflicting duplicates (same key, different values; per day for dimensions, in the window
         for facts, whose ids are unique across days): every copy is quarantined
                      "customer_id 7: conflicting copies of the key (different values), all quarantined"

    The referenced tables are read from silver, already judged (their stg_ runs and quarantine), so
    each bronze table is parsed by its own two models only. An erased customer's personal values
    come in as their placeholders (macros/silver/erasure.sql), so they pass the rules.
-#}
{% macro validation_ctes(table) -%}
    {%- set contract = contract_table(table) -%}
    {%- set columns = contract_columns(table) -%}
    {%- set key = contract.key -%}
    {%- set is_fact = table.startswith('fact_') -%}

    {%- set lookups = [] -%}
    {%- for column in columns if column.references -%}
        {%- set parent = column.references.split('.')[0] -%}
        {%- set parent_column = column.references.split('.')[1] -%}
        {%- set parent_type = (contract_columns(parent) | selectattr('name', 'equalto', parent_column) | first).type -%}
        {%- do lookups.append({
            'column': column.name,
            'table': parent,
            'alias': column.name ~ '__parent',
            'parent_column': parent_column,
            'runs': ref('stg_' ~ contract_table(parent).model_name),
            'quarantine': ref('quarantine_' ~ contract_table(parent).model_name),
            'parent_key': safe_cast_text("nullif(trim(" ~ parent_column ~ "), '')", parent_type),
        }) -%}
    {%- endfor -%}

    {%- set rules = row_rules(table, columns, lookups) -%}

    {%- set raw_columns = [] -%}
    {%- for c in columns -%}{%- do raw_columns.append(c.name) -%}{%- endfor -%}
    {%- set key_partition = [] -%}
    {%- for k in key -%}{%- do key_partition.append(k ~ "__typed") -%}{%- endfor -%}
    {%- if not is_fact -%}{%- do key_partition.append('dt') -%}{%- endif -%}
    {%- set key_text = [] -%}
    {%- for k in key -%}
        {%- if not loop.first -%}{%- do key_text.append("', '") -%}{%- endif -%}
        {%- do key_text.append("trim(" ~ k ~ ")") -%}
    {%- endfor -%}
    {%- set key_label = sql_string(key | join(', ') ~ ' ') -%}

{{ table }}__source as (
    {{ erasure_applied_rows(table) }}
),

{{ table }}__typed as (
    select
        {{ table }}__source.*
        {%- for c in columns %},
        {% if (c.type | lower) == 'varchar' -%}
        nullif({{ c.name }}, '')
        {%- else -%}
        {{ safe_cast_text("nullif(trim(" ~ c.name ~ "), '')", c.type) }}
        {%- endif %} as {{ c.name }}__typed
        {%- endfor %}
    from {{ table }}__source
),

{{ table }}__checked as (
    select
        {{ table }}__typed.*,
        case
            {%- for r in rules %}
            when {{ r.condition }} then {{ r.reason }}
            {%- endfor %}
        end as row_reason,
        case
            {%- for r in rules %}
            when {{ r.condition }} then {{ sql_string(r.rule) }}
            {%- endfor %}
        end as row_rule
    from {{ table }}__typed
    {%- for l in lookups %}
    left join (
        select {{ l.parent_column }} as lookup_key, first_extract_date, last_extract_date
        from {{ l.runs }}
        where {{ overlaps_window('first_extract_date', 'last_extract_date') }}
    ) as {{ l.alias }}_runs
        on {{ l.alias }}_runs.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        and {{ l.alias }}_runs.first_extract_date <= {{ table }}__typed.dt
        and {{ l.alias }}_runs.last_extract_date >= {{ table }}__typed.dt
    left join (
        select distinct {{ l.parent_key }} as lookup_key, dt as lookup_dt
        from {{ l.quarantine }}
        where {{ window_filter('dt') }} and quarantine_rule = {{ sql_string(conflicting_copies_rule()) }}
    ) as {{ l.alias }}_conflicted
        on {{ l.alias }}_conflicted.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        and {{ l.alias }}_conflicted.lookup_dt = {{ table }}__typed.dt
    left join (
        select {{ l.parent_key }} as lookup_key, dt as lookup_dt, min(quarantine_reason) as parent_reason
        from {{ l.quarantine }}
        where
            {{ window_filter('dt') }}
            and quarantine_rule not in ({{ sql_string(conflicting_copies_rule()) }}, {{ sql_string(exact_duplicate_rule()) }})
        group by {{ l.parent_key }}, dt
    ) as {{ l.alias }}_quarantined
        on {{ l.alias }}_quarantined.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        and {{ l.alias }}_quarantined.lookup_dt = {{ table }}__typed.dt
    {%- endfor %}
),

{#- Among the rows passing rules 1-9 (is_clean): how many different versions each key has
    (the maximum value_rank) and which copy of an exact duplicate a row is (copy_number). -#}
{{ table }}__ranked as (
    select
        {{ table }}__checked.*,
        dense_rank() over (
            partition by row_reason is null, {{ key_partition | join(', ') }}
            order by {{ raw_columns | join(', ') }}, dt
        ) as value_rank,
        row_number() over (
            partition by row_reason is null, {{ raw_columns | join(', ') }}, dt
            order by dt
        ) as copy_number
    from {{ table }}__checked
),

{{ table }}__conflicts as (
    select
        {{ table }}__ranked.*,
        max(value_rank) over (partition by row_reason is null, {{ key_partition | join(', ') }}) as versions
    from {{ table }}__ranked
),

{{ table }}__validated as (
    select
        {{ table }}__conflicts.*,
        case
            when row_reason is not null then row_reason
            when versions > 1
                then {{ dbt.concat([key_label] + key_text + ["': conflicting copies of the key (different values), all quarantined'"]) }}
            when copy_number > 1
                then {{ dbt.concat([key_label] + key_text + ["': exact duplicate of a row kept in silver'"]) }}
        end as quarantine_reason,
        case
            when row_reason is not null then row_rule
            when versions > 1 then {{ sql_string(conflicting_copies_rule()) }}
            when copy_number > 1 then {{ sql_string(exact_duplicate_rule()) }}
        end as quarantine_rule
    from {{ table }}__conflicts
)
{%- endmacro %}


{% macro conflicting_copies_rule() -%}{{ return('conflicting copies of the key') }}{%- endmacro %}


{% macro exact_duplicate_rule() -%}{{ return('exact duplicate') }}{%- endmacro %}
