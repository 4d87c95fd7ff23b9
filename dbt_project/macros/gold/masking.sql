{#- Analysts' gold masks personal columns in SQL every engine runs the same, by the rule the
    contract gives each column (banking_dw/contracts.py Mask); the clear values stay in the
    restricted models. `key` is the customer's id, for the pseudonym; `type` the column's contract
    type, for a removed value.

    Pseudonyms are keyed: a hash of the secret masking key and the value (`keyed_hash`), so nobody
    without the key can confirm a candidate email or name against them. Quasi-identifiers are
    generalised until every combination analysts can see is shared by at least five customers at
    the default scale (banking_dw_tests/test_personal_data.py measures it): the birth decade,
    top- and bottom-coded; no phone digits, town, state or join date. -#}
{% macro masked_value(expression, mask, key=none, type=none) -%}
    {%- if mask is none -%}
        {{ expression }}
    {%- elif mask == 'given_name_pseudonym' -%}
        case when {{ expression }} is not null then 'Customer' end
    {%- elif mask == 'family_name_pseudonym' -%}
        case when {{ expression }} is not null then {{ dbt.concat(["'#'", "left(" ~ keyed_hash(dbt.concat(["'customer:'", "cast(" ~ key ~ " as " ~ dbt.type_string() ~ ")"])) ~ ", 8)"]) }} end
    {%- elif mask == 'keyed_hash' -%}
        {{ keyed_hash("lower(trim(" ~ expression ~ "))") }}
    {%- elif mask == 'birth_decade' -%}
        {{ birth_decade(expression) }}
    {%- elif mask == 'removed' -%}
        cast(null as {{ dbt.type_string() if type in (none, 'varchar') else type }})
    {%- elif mask == 'first_two_words' -%}
        trim({{ dbt.concat(["split_part(" ~ expression ~ ", ' ', 1)", "' '", "split_part(" ~ expression ~ ", ' ', 2)"]) }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("masked_value: unknown mask " ~ mask) }}
    {%- endif -%}
{%- endmacro %}


{#- The contract column `column` of `table`, as `expression`, masked as the contract says. -#}
{% macro masked_column(table, column, expression, key=none) -%}
    {%- set found = contract_table(table).columns | selectattr('name', 'equalto', column) | first -%}
    {{ masked_value(expression, found.get('mask'), key, found.get('type')) }}
{%- endmacro %}


{#- The first day of the decade of a birth date, top- and bottom-coded: the few customers born
    before 1960 or after 1999 share the 1950 and 1990 bands, so no band is small enough to single
    anyone out (a person born in 1947 is as old as few others). -#}
{% macro birth_decade(expression) -%}
    {#- greatest() and least() skip a null on every engine: a missing date stays missing here. -#}
    case when {{ expression }} is not null then cast({{ dbt.concat([
        "cast(least(greatest(cast(floor(extract(year from " ~ expression ~ ") / 10) * 10 as integer), 1950), 1990) as " ~ dbt.type_string() ~ ")",
        "'-01-01'",
    ]) }} as date) end
{%- endmacro %}


{#- A hex SHA-256 of the masking key and `expression` (text): a keyed pseudonym, the same on every
    engine; null stays null. -#}
{% macro keyed_hash(expression) -%}
    {{ return(adapter.dispatch('keyed_hash', 'banking_dw')(dbt.concat([sql_string(masking_key() ~ ':'), expression]))) }}
{%- endmacro %}


{% macro duckdb__keyed_hash(text) -%}
    sha256({{ text }})
{%- endmacro %}


{% macro postgres__keyed_hash(text) -%}
    encode(sha256(convert_to({{ text }}, 'UTF8')), 'hex')
{%- endmacro %}


{% macro redshift__keyed_hash(text) -%}
    sha2({{ text }}, 256)
{%- endmacro %}


{% macro default__keyed_hash(text) -%}
    {{ exceptions.raise_compiler_error("keyed_hash: no keyed hash for the " ~ adapter.type() ~ " adapter") }}
{%- endmacro %}


{#- BANKING_DW_MASKING_KEY, which the warehouse resource hands dbt at execution (a generated local
    default beside the DuckDB file, never in it). Read only while executing, so the key is neither
    parsed into the manifest nor a reason to parse again; refused when missing or short. -#}
{% macro masking_key() -%}
    {%- if not execute -%}
        {{ return('not-read-while-parsing') }}
    {%- endif -%}
    {%- set key = env_var('BANKING_DW_MASKING_KEY') | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z0-9+/=_.~-]{32,}', key) -%}
        {{ exceptions.raise_compiler_error(
            "BANKING_DW_MASKING_KEY is not usable: give at least 32 characters of letters, digits and + / = _ . ~ -") }}
    {%- endif -%}
    {{ return(key) }}
{%- endmacro %}
