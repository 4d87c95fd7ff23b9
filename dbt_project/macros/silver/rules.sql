{#- Silver's row rules. Each macro returns {condition, reason, rule} over the columns of
    `<table>__typed` (raw text `<column>`, typed `<column>__typed`, `dt`): `reason` is the SQL of the
    text stored with a quarantined row (the column, the rule and, unless the column is personal
    data, the value), `rule` the rule alone, which checks count rows by. row_rules() lists them in
    the order validation_ctes() documents; the first that holds is the row's. Every rule comes from
    the contract (contract_table). -#}


{% macro _rule(condition, reason, rule) -%}
    {{ return({'condition': condition, 'reason': reason, 'rule': rule}) }}
{%- endmacro %}


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


{% macro _text(expression) -%}
    {{ return('cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}


{#- 1. null or empty (blank after trimming) in a non-nullable column -#}
{% macro rule_not_missing(column) -%}
    {%- set rule = column.name ~ ": null or empty" -%}
    {{ return(_rule("nullif(trim(" ~ column.name ~ "), '') is null", sql_string(rule), rule)) }}
{%- endmacro %}


{#- 2. text that is not a valid value of the contract type (safe_cast_text gave null) -#}
{% macro rule_type(column) -%}
    {%- set rule = column.name ~ ": not " ~ _type_word(column.type) -%}
    {{ return(_rule(
        "nullif(trim(" ~ column.name ~ "), '') is not null and " ~ column.name ~ "__typed is null",
        dbt.concat([sql_string(rule)] + _quoted_value(column)),
        rule,
    )) }}
{%- endmacro %}


{#- 3. text longer than the contract's limit (its length is given, never the text) -#}
{% macro rule_too_long(column) -%}
    {%- set rule = column.name ~ ": longer than " ~ column.max_length ~ " characters" -%}
    {{ return(_rule(
        "length(" ~ column.name ~ ") > " ~ column.max_length,
        dbt.concat([sql_string(rule ~ " ("), _text("length(" ~ column.name ~ ")"), "')'"]),
        rule,
    )) }}
{%- endmacro %}


{#- 4. a date before the contract's earliest -#}
{% macro rule_too_early(column) -%}
    {%- set rule = column.name ~ ": before " ~ column.earliest -%}
    {{ return(_rule(
        column.name ~ "__typed < cast(" ~ sql_string(column.earliest) ~ " as date)",
        dbt.concat([sql_string(rule)] + _quoted_value(column)),
        rule,
    )) }}
{%- endmacro %}


{#- 4. a date after the day of the extract it arrives in -#}
{% macro rule_after_extract_day(column) -%}
    {%- set rule = column.name ~ ": after the extract day" -%}
    {{ return(_rule(
        column.name ~ "__typed > dt",
        dbt.concat([sql_string(rule ~ " "), _text("dt")] + _quoted_value(column)),
        rule,
    )) }}
{%- endmacro %}


{#- 5. a value outside the allowed values (compared as the typed value's text: '+5' is 5) -#}
{% macro rule_allowed_values(column) -%}
    {%- set as_text = column.name ~ "__typed" if (column.type | lower) == 'varchar' else _text(column.name ~ "__typed") -%}
    {%- set quoted = [] -%}{%- for v in column.allowed_values -%}{%- do quoted.append(sql_string(v)) -%}{%- endfor -%}
    {%- set rule = column.name ~ ": not an allowed value" -%}
    {{ return(_rule(
        column.name ~ "__typed is not null and " ~ as_text ~ " not in (" ~ quoted | join(', ') ~ ")",
        dbt.concat([sql_string(rule)] + _quoted_value(column)),
        rule,
    )) }}
{%- endmacro %}


{#- 6. a negative amount, or zero where it must be positive -#}
{% macro rule_negative(column) -%}
    {%- set rule = column.name ~ ": negative" -%}
    {{ return(_rule(column.name ~ "__typed < 0", dbt.concat([sql_string(rule ~ " "), "trim(" ~ column.name ~ ")"]), rule)) }}
{%- endmacro %}


{% macro rule_zero(column) -%}
    {%- set rule = column.name ~ ": zero" -%}
    {{ return(_rule(column.name ~ "__typed = 0", dbt.concat([sql_string(rule ~ " "), "trim(" ~ column.name ~ ")"]), rule)) }}
{%- endmacro %}


{#- 7. a fact's date_id is its partition day -#}
{% macro rule_date_id_on_partition_day() -%}
    {{ return(_rule(
        "date_id__typed <> " ~ date_id_of('dt'),
        dbt.concat(["'date_id: '", "trim(date_id)", "' is not the partition day '", _text("dt")]),
        "date_id: not the partition day",
    )) }}
{%- endmacro %}


{#- 8. a fact's event timestamp falls on its partition day -#}
{% macro rule_event_on_partition_day(column) -%}
    {{ return(_rule(
        "cast(" ~ column.name ~ "__typed as date) <> dt",
        dbt.concat([sql_string(column.name ~ ": "), "trim(" ~ column.name ~ ")", "' is not on the partition day '", _text("dt")]),
        column.name ~ ": not on the partition day",
    )) }}
{%- endmacro %}


{#- 9. a foreign key known in the same day's extract of the referenced table (`lookup` from
    validation_ctes): its row that day was quarantined (the reason says so and why), or there is
    none -#}
{% macro rule_quarantined_parent(lookup) -%}
    {%- set key_on_day = ["trim(" ~ lookup.column ~ ")", "' on '", _text("dt")] -%}
    {%- set entity = entity_word(lookup.table) -%}
    {{ return(_rule(
        lookup.alias ~ "_runs.lookup_key is null and " ~ lookup.alias ~ "_conflicted.lookup_key is null and "
            ~ lookup.alias ~ "_quarantined.parent_reason is not null",
        dbt.concat([sql_string(lookup.column ~ ": " ~ entity ~ " ")] + key_on_day
            + ["' is quarantined ('", lookup.alias ~ "_quarantined.parent_reason", "')'"]),
        lookup.column ~ ": " ~ entity ~ " quarantined",
    )) }}
{%- endmacro %}


{% macro rule_unknown_parent(lookup) -%}
    {{ return(_rule(
        lookup.alias ~ "_runs.lookup_key is null and " ~ lookup.alias ~ "_conflicted.lookup_key is null",
        dbt.concat([sql_string(lookup.column ~ ": unknown " ~ entity_word(lookup.table) ~ " "), "trim(" ~ lookup.column ~ ")", "' on '", _text("dt")]),
        lookup.column ~ ": unknown " ~ entity_word(lookup.table),
    )) }}
{%- endmacro %}


{#- Rules 1-9 for `table`, in order; `lookups` are the foreign keys' joined relations. -#}
{% macro row_rules(table, columns, lookups) -%}
    {%- set is_fact = table.startswith('fact_') -%}
    {%- set rules = [] -%}
    {%- for c in columns if not c.nullable -%}{%- do rules.append(rule_not_missing(c)) -%}{%- endfor -%}
    {%- for c in columns if (c.type | lower) != 'varchar' -%}{%- do rules.append(rule_type(c)) -%}{%- endfor -%}
    {%- for c in columns if c.max_length -%}{%- do rules.append(rule_too_long(c)) -%}{%- endfor -%}
    {%- for c in columns if c.earliest -%}{%- do rules.append(rule_too_early(c)) -%}{%- endfor -%}
    {%- for c in columns if c.not_after_extract_day -%}{%- do rules.append(rule_after_extract_day(c)) -%}{%- endfor -%}
    {%- for c in columns if c.allowed_values -%}{%- do rules.append(rule_allowed_values(c)) -%}{%- endfor -%}
    {%- for c in columns if c.sign -%}{%- do rules.append(rule_negative(c)) -%}{%- endfor -%}
    {%- for c in columns if c.sign == 'positive' -%}{%- do rules.append(rule_zero(c)) -%}{%- endfor -%}
    {%- if is_fact and 'date_id' in lookups | map(attribute='column') | list -%}
        {%- do rules.append(rule_date_id_on_partition_day()) -%}
    {%- endif -%}
    {%- for c in columns if is_fact and (c.type | lower) == 'timestamp' -%}
        {%- do rules.append(rule_event_on_partition_day(c)) -%}
    {%- endfor -%}
    {%- for l in lookups -%}
        {%- do rules.append(rule_quarantined_parent(l)) -%}
        {%- do rules.append(rule_unknown_parent(l)) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
