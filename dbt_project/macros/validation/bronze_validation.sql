{#-
    bronze_validation_ctes(table): the CTEs that judge every bronze row of `table` in the window,
    shared by stg_<table> (rows whose quarantine_reason is null) and quarantine_<table> (the
    others), so the two partition the bronze rows: every row lands in exactly one of them.

    Emits `<table>__source`, `<table>__typed`, `<table>__checked`, `<table>__copies`,
    `<table>__validated` (after the CTEs of every table it references: all are daily extracts, and
    a reference resolves against the SAME day's extract). `<table>__validated` has the raw text
    columns, `dt`, `<column>__typed` for each column, and `quarantine_reason`: null for a good row,
    else the FIRST failing rule, naming the column and, unless the column is personal data, the
    offending value, in this order:
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
      9. foreign key not in the same day's extract of the referenced table: the referenced row was
         quarantined that day, or there is none
                      "customer_id: customer 7 on 2024-01-02 is quarantined (join_date: not a date '2024-13-01')"
                      "account_id: unknown account 99 on 2024-01-02"
         A key counts as known when a row of it passes rules 1-9 of its own table that day, even if
         its copies conflict (rule 11): the key exists, only its attributes are in doubt.
     10. exact duplicate (every column and dt equal): one copy stays, each extra copy is quarantined
                      "transaction_id 42: exact duplicate of a row kept in silver"
     11. conflicting duplicates (same key, different values; per day for dimensions, in the window
         for facts, whose ids are unique across days): every copy is quarantined
                      "customer_id 7: conflicting copies of the key (different values), all quarantined"
-#}
{% macro bronze_validation_ctes(table, _emitted=none) -%}
    {%- set emitted = [] if _emitted is none else _emitted -%}
    {%- set contract = bronze_contract(table) -%}
    {%- set columns = bronze_columns(table) -%}
    {%- set key = contract.key -%}
    {%- set is_fact = table.startswith('fact_') -%}
    {#- column -> referenced contract table, e.g. account_id -> dim_accounts -#}
    {%- set references = {} -%}
    {%- for column in columns if column.references -%}
        {%- do references.update({column.name: column.references.split('.')[0]}) -%}
    {%- endfor -%}

    {%- set ctes = [] -%}
    {#- Referenced extracts first, validated the same way, so a key is judged by its own table's rules. -#}
    {%- for ref_table in references.values() -%}
        {%- if ref_table not in emitted and ref_table != table -%}
            {%- do ctes.append(bronze_validation_ctes(ref_table, emitted)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do emitted.append(table) -%}

    {%- set lookups = [] -%}
    {%- for column_name, ref_table in references.items() -%}
        {%- set relation -%}(
            select distinct {{ column_name }}__typed as lookup_key, dt as lookup_dt
            from {{ ref_table }}__checked
            where row_reason is null
        ){%- endset -%}
        {%- set quarantined -%}(
            select {{ column_name }}__typed as lookup_key, dt as lookup_dt, min(row_reason) as parent_reason
            from {{ ref_table }}__checked
            where row_reason is not null and {{ column_name }}__typed is not null
            group by {{ column_name }}__typed, dt
        ){%- endset -%}
        {%- do lookups.append({'column': column_name, 'table': ref_table, 'relation': relation,
                               'quarantined': quarantined, 'alias': column_name ~ '__lookup'}) -%}
    {%- endfor -%}

    {%- set checks = row_rules(table, columns, lookups) -%}

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

    {%- set sql -%}
{{ table }}__source as (
    select
        {{ bronze_column_list(table) }},
        dt
    from {{ source('bronze', table) }}
    where {{ window_filter('dt') }}
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
            {%- for check in checks %}
            {{ check }}
            {%- endfor %}
        end as row_reason
    from {{ table }}__typed
    {%- for l in lookups %}
    left join {{ l.relation }} as {{ l.alias }}
        on {{ l.alias }}.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        and {{ l.alias }}.lookup_dt = {{ table }}__typed.dt
    left join {{ l.quarantined }} as {{ l.alias }}_quarantined
        on {{ l.alias }}_quarantined.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        and {{ l.alias }}_quarantined.lookup_dt = {{ table }}__typed.dt
    {%- endfor %}
),

{#- Among the rows passing rules 1-9 (is_clean): how many different versions each key has
    (the maximum value_rank) and which copy of an exact duplicate a row is (copy_number). -#}
{{ table }}__copies as (
    select
        {{ table }}__checked.*,
        case when row_reason is null then 1 else 0 end as is_clean
    from {{ table }}__checked
),

{{ table }}__ranked as (
    select
        {{ table }}__copies.*,
        dense_rank() over (
            partition by is_clean, {{ key_partition | join(', ') }}
            order by {{ raw_columns | join(', ') }}, dt
        ) as value_rank,
        row_number() over (
            partition by is_clean, {{ raw_columns | join(', ') }}, dt
            order by dt
        ) as copy_number
    from {{ table }}__copies
),

{{ table }}__validated as (
    select
        {{ table }}__ranked.*,
        case
            when row_reason is not null then row_reason
            when max(value_rank) over (partition by is_clean, {{ key_partition | join(', ') }}) > 1
                then {{ dbt.concat([key_label] + key_text + ["': conflicting copies of the key (different values), all quarantined'"]) }}
            when copy_number > 1
                then {{ dbt.concat([key_label] + key_text + ["': exact duplicate of a row kept in silver'"]) }}
        end as quarantine_reason
    from {{ table }}__ranked
)
    {%- endset -%}
    {%- do ctes.append(sql) -%}
    {{ return(ctes | join(',\n\n')) }}
{%- endmacro %}


{#- The body of every quarantine_<model>: the bronze rows of `table` that break a rule, as raw
    text, with `dt` and quarantine_reason. -#}
{% macro quarantined_rows(table) -%}
with

{{ bronze_validation_ctes(table) }},

final as (

    select
        {{ bronze_column_list(table) }},
        dt,
        quarantine_reason
    from {{ table }}__validated
    where quarantine_reason is not null

)

select * from final
{%- endmacro %}
