{#- Silver's row rules: each macro returns one CASE branch, `when <broken> then <reason>`, over the
    columns of `<table>__typed` (raw text `<column>`, typed `<column>__typed`, `dt`). row_rules()
    lists them in the order bronze_validation_ctes documents; the first that holds is the reason. -#}


{#- Value rules beyond what the contract states:
    positive     amounts that must be > 0 (zero and negative are quarantined)
    non_negative amounts/balances that must be >= 0 -#}
{% macro sign_rules(table) -%}
    {%- set rules = {
        'dim_currencies': {'positive': ['usd_exchange_rate']},
        'dim_loans': {'positive': ['term_months'], 'non_negative': ['interest_rate']},
        'fact_transactions': {'positive': ['transaction_amount']},
        'fact_investments': {'positive': ['investment_amount']},
        'fact_loans': {'positive': ['loan_amount']},
        'fact_daily_balances': {'non_negative': ['opening_balance', 'total_credits', 'total_debits', 'closing_balance']},
    } -%}
    {{ return(rules.get(table, {})) }}
{%- endmacro %}


{% macro _type_word(type) -%}
    {%- set t = type | lower -%}
    {%- if t.startswith('decimal') -%}{{ return('a decimal') }}
    {%- elif t in ('bigint', 'integer') -%}{{ return('an integer') }}
    {%- else -%}{{ return('a ' ~ t) }}
    {%- endif -%}
{%- endmacro %}


{#- 1. null or empty (blank after trimming) in a non-nullable column -#}
{% macro rule_not_missing(column) -%}
    when nullif(trim({{ column.name }}), '') is null then {{ sql_string(column.name ~ ": null or empty") }}
{%- endmacro %}


{#- 2. text that is not a valid value of the contract type (safe_cast_text gave null) -#}
{% macro rule_type(column) -%}
    when nullif(trim({{ column.name }}), '') is not null and {{ column.name }}__typed is null
        then {{ dbt.concat([sql_string(column.name ~ ": not " ~ _type_word(column.type) ~ " '"), column.name, "''''"]) }}
{%- endmacro %}


{#- 3. a value outside the allowed values (compared as the typed value's text: '+5' is 5) -#}
{% macro rule_allowed_values(column) -%}
    {%- set as_text = column.name ~ "__typed" if (column.type | lower) == 'varchar'
        else "cast(" ~ column.name ~ "__typed as " ~ dbt.type_string() ~ ")" -%}
    {%- set quoted = [] -%}{%- for v in column.allowed_values -%}{%- do quoted.append(sql_string(v)) -%}{%- endfor -%}
    when {{ column.name }}__typed is not null and {{ as_text }} not in ({{ quoted | join(', ') }})
        then {{ dbt.concat([sql_string(column.name ~ ": not an allowed value '"), column.name, "''''"]) }}
{%- endmacro %}


{#- 4. a negative amount, or zero where it must be positive -#}
{% macro rule_negative(name) -%}
    when {{ name }}__typed < 0 then {{ dbt.concat([sql_string(name ~ ": negative "), "trim(" ~ name ~ ")"]) }}
{%- endmacro %}


{% macro rule_zero(name) -%}
    when {{ name }}__typed = 0 then {{ dbt.concat([sql_string(name ~ ": zero "), "trim(" ~ name ~ ")"]) }}
{%- endmacro %}


{#- 5. a fact's date_id is its partition day -#}
{% macro rule_date_id_on_partition_day() -%}
    when date_id__typed <> {{ date_id_of('dt') }}
        then {{ dbt.concat(["'date_id: '", "trim(date_id)", "' is not the partition day '", "cast(dt as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- 6. a fact's event timestamp falls on its partition day -#}
{% macro rule_event_on_partition_day(column) -%}
    when cast({{ column.name }}__typed as date) <> dt
        then {{ dbt.concat([sql_string(column.name ~ ": "), "trim(" ~ column.name ~ ")", "' is not on the partition day '", "cast(dt as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- 7. a foreign key found in the same day's extract of the referenced table (joined as `alias`) -#}
{% macro rule_foreign_key(column_name, ref_table, alias) -%}
    when {{ alias }}.lookup_key is null
        then {{ dbt.concat([sql_string(column_name ~ ": unknown " ~ entity_word(ref_table) ~ " "), "trim(" ~ column_name ~ ")", "' on '", "cast(dt as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- Rules 1-7 for `table`, in order; `lookups` are the joined foreign-key relations. -#}
{% macro row_rules(table, columns, lookups) -%}
    {%- set is_fact = table.startswith('fact_') -%}
    {%- set signs = sign_rules(table) -%}
    {%- set rules = [] -%}
    {%- for c in columns if not c.nullable -%}{%- do rules.append(rule_not_missing(c)) -%}{%- endfor -%}
    {%- for c in columns if (c.type | lower) != 'varchar' -%}{%- do rules.append(rule_type(c)) -%}{%- endfor -%}
    {%- for c in columns if c.allowed_values -%}{%- do rules.append(rule_allowed_values(c)) -%}{%- endfor -%}
    {%- for name in signs.get('positive', []) + signs.get('non_negative', []) -%}{%- do rules.append(rule_negative(name)) -%}{%- endfor -%}
    {%- for name in signs.get('positive', []) -%}{%- do rules.append(rule_zero(name)) -%}{%- endfor -%}
    {%- if is_fact and 'date_id' in lookups | map(attribute='column') | list -%}
        {%- do rules.append(rule_date_id_on_partition_day()) -%}
    {%- endif -%}
    {%- for c in columns if is_fact and (c.type | lower) == 'timestamp' -%}
        {%- do rules.append(rule_event_on_partition_day(c)) -%}
    {%- endfor -%}
    {%- for l in lookups -%}{%- do rules.append(rule_foreign_key(l.column, l.table, l.alias)) -%}{%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
