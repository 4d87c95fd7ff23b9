{#- The contract columns of a bronze table, in order (dt excluded). -#}
{% macro bronze_columns(table) -%}
    {%- set columns = [] -%}
    {%- for column in bronze_contract(table).columns -%}
        {%- do columns.append({
            'name': column.name,
            'type': column.type,
            'nullable': column.get('nullable', false),
            'allowed_values': column.get('allowed_values'),
            'references': column.get('references'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The raw (text) contract columns of a bronze table, comma-separated, for quarantine models. -#}
{% macro bronze_column_list(table, prefix='') -%}
    {%- set names = [] -%}
    {%- for column in bronze_columns(table) -%}{%- do names.append(prefix ~ column.name) -%}{%- endfor -%}
    {{ return(names | join(',\n        ')) }}
{%- endmacro %}


{% macro _type_word(type) -%}
    {%- set t = type | lower -%}
    {%- if t.startswith('decimal') -%}{{ return('a decimal') }}
    {%- elif t in ('bigint', 'integer') -%}{{ return('an integer') }}
    {%- else -%}{{ return('a ' ~ t) }}
    {%- endif -%}
{%- endmacro %}


{#-
    bronze_validation_ctes(table): the CTEs that judge every bronze row of `table` in the window,
    shared by stg_<table> (rows whose quarantine_reason is null) and quarantine_<table> (the
    others), so the two partition the bronze rows: every row lands in exactly one of them.

    Emits `<table>__source`, `<table>__typed`, `<table>__checked`, `<table>__copies`,
    `<table>__validated` (after the CTEs of every table it references: all are daily extracts, and
    a reference resolves against the SAME day's extract). `<table>__validated` has the raw text
    columns, `dt`, `<column>__typed` for each column, and `quarantine_reason`: null for a good row,
    else the FIRST failing rule naming the column and offending value, in this order:
      1. null or empty in a non-nullable column      "customer_id: null or empty"
      2. text that does not cast to the contract type "transaction_amount: not a decimal 'abc'"
      3. value outside the allowed values            "loan_status: not an allowed value 'Maybe'"
      4. negative / zero amount                       "transaction_amount: negative -5.00"
      5. a fact's date_id not its partition day       "date_id: 20240105 is not the partition day 2024-01-02"
      6. a fact's event timestamp not on its partition day
                      "transaction_timestamp: 2024-01-03 00:10:00 is not on the partition day 2024-01-02"
      7. unknown foreign key: not in the same day's extract of the referenced table
                                                      "account_id: unknown account 99 on 2024-01-02"
         A key counts as known when a row of it passes rules 1-7 of its own table that day, even if
         its copies conflict (rule 9): the key exists, only its attributes are in doubt.
      8. exact duplicate (every column and dt equal): one copy stays, each extra copy is quarantined
                      "transaction_id 42: exact duplicate of a row kept in silver"
      9. conflicting duplicates (same key, different values; per day for dimensions, in the window
         for facts, whose ids are unique across days): every copy is quarantined
                      "customer_id 7: conflicting copies of the key (different values), all quarantined"
-#}
{% macro bronze_validation_ctes(table, _emitted=none) -%}
    {%- set emitted = [] if _emitted is none else _emitted -%}
    {%- set rules = bronze_rules(table) -%}
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
        {%- do lookups.append({'column': column_name, 'table': ref_table, 'relation': relation,
                               'alias': column_name ~ '__lookup'}) -%}
    {%- endfor -%}

    {%- set checks = [] -%}
    {#- 1. null or empty -#}
    {%- for c in columns if not c.nullable -%}
        {%- do checks.append("when nullif(trim(" ~ c.name ~ "), '') is null then " ~ sql_string(c.name ~ ": null or empty")) -%}
    {%- endfor -%}
    {#- 2. type -#}
    {%- for c in columns if (c.type | lower) != 'varchar' -%}
        {%- do checks.append("when nullif(trim(" ~ c.name ~ "), '') is not null and " ~ c.name ~ "__typed is null then "
            ~ dbt.concat([sql_string(c.name ~ ": not " ~ _type_word(c.type) ~ " '"), c.name, "''''"])) -%}
    {%- endfor -%}
    {#- 3. allowed values -#}
    {%- for c in columns if c.allowed_values -%}
        {%- set as_text = c.name ~ "__typed" if (c.type | lower) == 'varchar' else "cast(" ~ c.name ~ "__typed as " ~ dbt.type_string() ~ ")" -%}
        {%- set quoted = [] -%}{%- for v in c.allowed_values -%}{%- do quoted.append(sql_string(v)) -%}{%- endfor -%}
        {%- do checks.append("when " ~ c.name ~ "__typed is not null and " ~ as_text ~ " not in (" ~ quoted | join(', ') ~ ") then "
            ~ dbt.concat([sql_string(c.name ~ ": not an allowed value '"), c.name, "''''"])) -%}
    {%- endfor -%}
    {#- 4. signs -#}
    {%- for name in rules.get('positive', []) + rules.get('non_negative', []) -%}
        {%- do checks.append("when " ~ name ~ "__typed < 0 then " ~ dbt.concat([sql_string(name ~ ": negative "), "trim(" ~ name ~ ")"])) -%}
    {%- endfor -%}
    {%- for name in rules.get('positive', []) -%}
        {%- do checks.append("when " ~ name ~ "__typed = 0 then " ~ dbt.concat([sql_string(name ~ ": zero "), "trim(" ~ name ~ ")"])) -%}
    {%- endfor -%}
    {%- set day_text = "cast(dt as " ~ dbt.type_string() ~ ")" -%}
    {#- 5. a fact's date_id is its partition day -#}
    {%- if is_fact and 'date_id' in references -%}
        {%- do checks.append("when date_id__typed <> " ~ date_id_of('dt') ~ " then "
            ~ dbt.concat(["'date_id: '", "trim(date_id)", "' is not the partition day '", day_text])) -%}
    {%- endif -%}
    {#- 6. a fact's event timestamps fall on its partition day -#}
    {%- for c in columns if is_fact and (c.type | lower) == 'timestamp' -%}
        {%- do checks.append("when cast(" ~ c.name ~ "__typed as date) <> dt then "
            ~ dbt.concat([sql_string(c.name ~ ": "), "trim(" ~ c.name ~ ")", "' is not on the partition day '", day_text])) -%}
    {%- endfor -%}
    {#- 7. foreign keys, in the same day's extract -#}
    {%- for l in lookups -%}
        {%- do checks.append("when " ~ l.alias ~ ".lookup_key is null then " ~ dbt.concat(
            [sql_string(l.column ~ ": unknown " ~ entity_word(l.table) ~ " "), "trim(" ~ l.column ~ ")", "' on '", day_text])) -%}
    {%- endfor -%}

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
    {%- endfor %}
),

{#- Among the rows passing rules 1-7 (is_clean): how many different versions each key has
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
