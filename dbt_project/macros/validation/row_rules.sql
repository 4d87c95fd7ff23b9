{#- Silver's row rules: each macro returns one CASE branch, `when <broken> then <reason>`, over the
    columns of `<table>__typed` (raw text `<column>`, typed `<column>__typed`, `dt`). row_rules()
    lists them in the order bronze_validation_ctes documents; the first that holds is the reason.
    Every rule comes from the contract (the bronze_contract var). A reason names the column and the
    rule, and quotes the offending value only for a column that is not personal data. -#}


{#- ' <value>' in quotes after a reason, or nothing for a personal column. -#}
{% macro _quoted_value(column) -%}
    {%- if column.personal -%}{{ return([]) }}{%- endif -%}
    {{ return(["' '''", column.name, "''''"]) }}
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
        then {{ dbt.concat([sql_string(column.name ~ ": not " ~ _type_word(column.type))] + _quoted_value(column)) }}
{%- endmacro %}


{#- 3. text longer than the contract's limit for the column (the length is given, not the text) -#}
{% macro rule_too_long(column) -%}
    when length({{ column.name }}) > {{ column.max_length }}
        then {{ dbt.concat([sql_string(column.name ~ ": longer than " ~ column.max_length ~ " characters ("), "cast(length(" ~ column.name ~ ") as " ~ dbt.type_string() ~ ")", "')'"]) }}
{%- endmacro %}


{#- 4. a date outside its plausible range: before the contract's earliest, or after the extract day -#}
{% macro rule_date_range(column) -%}
    {%- if column.earliest %}
    when {{ column.name }}__typed < cast({{ sql_string(column.earliest) }} as date)
        then {{ dbt.concat([sql_string(column.name ~ ": before " ~ column.earliest)] + _quoted_value(column)) }}
    {%- endif %}
    {%- if column.not_after_extract_day %}
    when {{ column.name }}__typed > dt
        then {{ dbt.concat([sql_string(column.name ~ ": after the extract day "), "cast(dt as " ~ dbt.type_string() ~ ")"] + _quoted_value(column)) }}
    {%- endif %}
{%- endmacro %}


{#- 5. a value outside the allowed values (compared as the typed value's text: '+5' is 5) -#}
{% macro rule_allowed_values(column) -%}
    {%- set as_text = column.name ~ "__typed" if (column.type | lower) == 'varchar'
        else "cast(" ~ column.name ~ "__typed as " ~ dbt.type_string() ~ ")" -%}
    {%- set quoted = [] -%}{%- for v in column.allowed_values -%}{%- do quoted.append(sql_string(v)) -%}{%- endfor -%}
    when {{ column.name }}__typed is not null and {{ as_text }} not in ({{ quoted | join(', ') }})
        then {{ dbt.concat([sql_string(column.name ~ ": not an allowed value")] + _quoted_value(column)) }}
{%- endmacro %}


{#- 6. a negative amount, or zero where it must be positive -#}
{% macro rule_negative(name) -%}
    when {{ name }}__typed < 0 then {{ dbt.concat([sql_string(name ~ ": negative "), "trim(" ~ name ~ ")"]) }}
{%- endmacro %}


{% macro rule_zero(name) -%}
    when {{ name }}__typed = 0 then {{ dbt.concat([sql_string(name ~ ": zero "), "trim(" ~ name ~ ")"]) }}
{%- endmacro %}


{#- 7. a fact's date_id is its partition day -#}
{% macro rule_date_id_on_partition_day() -%}
    when date_id__typed <> {{ date_id_of('dt') }}
        then {{ dbt.concat(["'date_id: '", "trim(date_id)", "' is not the partition day '", "cast(dt as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- 8. a fact's event timestamp falls on its partition day -#}
{% macro rule_event_on_partition_day(column) -%}
    when cast({{ column.name }}__typed as date) <> dt
        then {{ dbt.concat([sql_string(column.name ~ ": "), "trim(" ~ column.name ~ ")", "' is not on the partition day '", "cast(dt as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- 9. a foreign key found in the same day's extract of the referenced table (joined as `alias`);
    when that day's row of the key was itself quarantined (joined as `alias`_quarantined), the
    reason says so and why, instead of calling the key unknown -#}
{% macro rule_foreign_key(column_name, ref_table, alias) -%}
    {%- set key_on_day = ["trim(" ~ column_name ~ ")", "' on '", "cast(dt as " ~ dbt.type_string() ~ ")"] -%}
    when {{ alias }}.lookup_key is null and {{ alias }}_quarantined.parent_reason is not null
        then {{ dbt.concat([sql_string(column_name ~ ": " ~ entity_word(ref_table) ~ " ")] + key_on_day + ["' is quarantined ('", alias ~ "_quarantined.parent_reason", "')'"]) }}
    when {{ alias }}.lookup_key is null
        then {{ dbt.concat([sql_string(column_name ~ ": unknown " ~ entity_word(ref_table) ~ " ")] + key_on_day) }}
{%- endmacro %}


{#- Rules 1-9 for `table`, in order; `lookups` are the joined foreign-key relations. -#}
{% macro row_rules(table, columns, lookups) -%}
    {%- set is_fact = table.startswith('fact_') -%}
    {%- set rules = [] -%}
    {%- for c in columns if not c.nullable -%}{%- do rules.append(rule_not_missing(c)) -%}{%- endfor -%}
    {%- for c in columns if (c.type | lower) != 'varchar' -%}{%- do rules.append(rule_type(c)) -%}{%- endfor -%}
    {%- for c in columns if c.max_length -%}{%- do rules.append(rule_too_long(c)) -%}{%- endfor -%}
    {%- for c in columns if c.earliest or c.not_after_extract_day -%}{%- do rules.append(rule_date_range(c)) -%}{%- endfor -%}
    {%- for c in columns if c.allowed_values -%}{%- do rules.append(rule_allowed_values(c)) -%}{%- endfor -%}
    {%- for c in columns if c.sign -%}{%- do rules.append(rule_negative(c.name)) -%}{%- endfor -%}
    {%- for c in columns if c.sign == 'positive' -%}{%- do rules.append(rule_zero(c.name)) -%}{%- endfor -%}
    {%- if is_fact and 'date_id' in lookups | map(attribute='column') | list -%}
        {%- do rules.append(rule_date_id_on_partition_day()) -%}
    {%- endif -%}
    {%- for c in columns if is_fact and (c.type | lower) == 'timestamp' -%}
        {%- do rules.append(rule_event_on_partition_day(c)) -%}
    {%- endfor -%}
    {%- for l in lookups -%}{%- do rules.append(rule_foreign_key(l.column, l.table, l.alias)) -%}{%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
