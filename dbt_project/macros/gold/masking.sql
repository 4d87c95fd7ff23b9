{#- Analysts' gold masks personal columns in SQL every engine runs the same, by the rule the
    contract gives each column (banking_dw/contracts.py Mask); the clear values stay in the
    restricted models. `key` is the customer's id, for the pseudonym. -#}
{% macro masked_value(expression, mask, key=none) -%}
    {%- if mask is none -%}
        {{ expression }}
    {%- elif mask == 'given_name_pseudonym' -%}
        case when {{ expression }} is not null then 'Customer' end
    {%- elif mask == 'family_name_pseudonym' -%}
        case when {{ expression }} is not null then {{ dbt.concat(["'#'", "left(md5(" ~ dbt.concat(["'customer:'", "cast(" ~ key ~ " as " ~ dbt.type_string() ~ ")"]) ~ "), 8)"]) }} end
    {%- elif mask == 'hash' -%}
        md5(lower(trim({{ expression }})))
    {%- elif mask == 'last_digits' -%}
        {{ dbt.concat(["'***'", "right(" ~ expression ~ ", 4)"]) }}
    {%- elif mask == 'birth_year' -%}
        cast(date_trunc('year', {{ expression }}) as date)
    {%- elif mask == 'removed' -%}
        cast(null as {{ dbt.type_string() }})
    {%- elif mask == 'first_two_words' -%}
        trim({{ dbt.concat(["split_part(" ~ expression ~ ", ' ', 1)", "' '", "split_part(" ~ expression ~ ", ' ', 2)"]) }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("masked_value: unknown mask " ~ mask) }}
    {%- endif -%}
{%- endmacro %}


{#- The contract column `column` of `table`, as `expression`, masked as the contract says. -#}
{% macro masked_column(table, column, expression, key=none) -%}
    {%- set found = contract_table(table).columns | selectattr('name', 'equalto', column) | first -%}
    {{ masked_value(expression, found.get('mask'), key) }}
{%- endmacro %}
