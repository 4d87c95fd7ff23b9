{#- An erased customer's name or email in free text (a transaction's description, on their own
    rows or anyone else's), replaced by the placeholder, as banking_dw/erasure/redaction.py does in
    the files: case-insensitive, wherever it appears. The texts come from the erasure job in the
    environment (BANKING_DW_ERASED_TEXTS, a JSON list), never on dbt's command line, which Dagster
    logs. -#}


{#- The texts to redact, read only while executing (empty while parsing). -#}
{% macro erased_texts() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(fromjson(env_var('BANKING_DW_ERASED_TEXTS', '[]'))) }}
{%- endmacro %}


{#- A regular expression matching any of `texts` literally (the job lists the longest first, so a
    name inside an email does not win), in the syntax the three engines share (RE2, PostgreSQL's
    ARE, Redshift's POSIX): every character that is not a letter, digit or space inside brackets,
    and the few that cannot be bracketed (\ ^ [ ]) as any character. -#}
{% macro texts_pattern(texts) -%}
    {%- set alternatives = [] -%}
    {%- for text in texts -%}
        {%- set characters = [] -%}
        {%- for character in text -%}
            {%- if character.isalnum() or character == ' ' -%}
                {%- do characters.append(character) -%}
            {%- elif character in '\\^[]' -%}
                {%- do characters.append('.') -%}
            {%- else -%}
                {%- do characters.append('[' ~ character ~ ']') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do alternatives.append(characters | join('')) -%}
    {%- endfor -%}
    {{ return(alternatives | join('|')) }}
{%- endmacro %}


{#- `expression` with every match of `texts` replaced by `placeholder`, case-insensitive. -#}
{% macro redact_texts(expression, texts, placeholder) -%}
    {{ return(adapter.dispatch('redact_texts', 'banking_dw')(expression, sql_string(texts_pattern(texts)), sql_string(placeholder))) }}
{%- endmacro %}


{% macro default__redact_texts(expression, pattern, placeholder) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ placeholder }}, 'gi')
{%- endmacro %}


{% macro redshift__redact_texts(expression, pattern, placeholder) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ placeholder }}, 1, 'i')
{%- endmacro %}


{#- Redact the texts from `column` of silver's model for `table`, the last window's verdict
    (validated_, typed and as sent), the quarantine and analysts' gold (masked again from the
    redacted silver value, as the gold model masks it); the rows changed per relation (none for a
    relation not built yet). Gold first, while silver still shows which rows name a customer. -#}
{% macro erase_free_text(table, column, texts, placeholder) -%}
    {%- set model = contract_table(table).model_name -%}
    {%- set key = contract_table(table).key[0] -%}
    {%- set redacted = redact_texts(column, texts, placeholder) | trim -%}
    {%- set counts = {'gold': none} -%}
    {%- set silver = load_relation(ref('stg_' ~ model)) -%}
    {%- set gold = load_relation(ref(model)) -%}
    {%- if gold is not none and silver is not none -%}
        {%- set arrived = redact_texts('arrived.' ~ column, texts, placeholder) | trim -%}
        {%- set masked = masked_column(table, column, arrived) | trim -%}
        {%- set names_someone = "arrived." ~ column ~ " <> " ~ arrived -%}
        {%- set counted = run_query(
            "select count(*) from " ~ gold ~ " as current inner join " ~ silver ~ " as arrived on current." ~ key
            ~ " = arrived." ~ key ~ " where " ~ names_someone ~ " and current." ~ column ~ " <> " ~ masked) -%}
        {%- do counts.update({'gold': counted.columns[0].values()[0] | int}) -%}
        {%- if counts['gold'] > 0 -%}
            {%- do run_query(
                "update " ~ gold ~ " set " ~ column ~ " = " ~ masked ~ " from " ~ silver ~ " as arrived where "
                ~ gold.identifier ~ "." ~ key ~ " = arrived." ~ key ~ " and " ~ names_someone
                ~ " and " ~ gold.identifier ~ "." ~ column ~ " <> " ~ masked) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set as_sent = redact_texts(column ~ '__as_sent', texts, placeholder) | trim -%}
    {%- do counts.update({
        'validated': _erase_rows(ref('validated_' ~ model), "1 = 1", {column: redacted, column ~ '__as_sent': as_sent}),
        'silver': _erase_rows(ref('stg_' ~ model), "1 = 1", {column: redacted}),
        'quarantine': _erase_rows(ref('quarantine_' ~ model), "1 = 1", {column: redacted}),
    }) -%}
    {{ return(counts) }}
{%- endmacro %}
