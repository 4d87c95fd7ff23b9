{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_currency: every bronze row of dim_currencies in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_currency keeps the good rows,
-- quarantine_dim_currency the others.

with

arrived as (

    select
        currency_id,
        currency_code,
        currency_name,
        usd_exchange_rate,
        dt
    from {{ source('bronze', 'dim_currencies') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(currency_id), '')", 'integer') }} as currency_id__typed,
        nullif(currency_code, '') as currency_code__typed,
        nullif(currency_name, '') as currency_name__typed,
        {{ safe_cast_text("nullif(trim(usd_exchange_rate), '')", 'decimal(18,6)') }} as usd_exchange_rate__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(currency_id), '') is null
                then 'currency_id: null or empty'
            when nullif(trim(currency_code), '') is null
                then 'currency_code: null or empty'
            when nullif(trim(currency_name), '') is null
                then 'currency_name: null or empty'
            when nullif(trim(usd_exchange_rate), '') is null
                then 'usd_exchange_rate: null or empty'
            when nullif(trim(currency_id), '') is not null and currency_id__typed is null
                then 'currency_id: not an integer'
            when nullif(trim(usd_exchange_rate), '') is not null and usd_exchange_rate__typed is null
                then 'usd_exchange_rate: not a decimal'
            when length(currency_code) > 255
                then 'currency_code: longer than 255 characters'
            when length(currency_name) > 255
                then 'currency_name: longer than 255 characters'
            when currency_code__typed is not null and currency_code__typed not in ('USD', 'EUR', 'JPY')
                then 'currency_code: not an allowed value'
            when usd_exchange_rate__typed < 0
                then 'usd_exchange_rate: negative'
            when usd_exchange_rate__typed = 0
                then 'usd_exchange_rate: zero'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        currency_id__typed as repeated_currency_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by currency_id__typed, dt
    having count(*) > 1

),

judged as (

    -- every row once: its rule 1-9, or, carrying a repeated key, rule 11 when the copies are not
    -- all identical, else rule 10 for every identical copy but one
    select
        ruled.*,
        ruled.row_rule as quarantine_rule
    from ruled
    left join repeated_keys
        on repeated_keys.repeated_currency_id = ruled.currency_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_currency_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.currency_id, ruled.currency_code, ruled.currency_name, ruled.usd_exchange_rate, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.currency_id, ruled.currency_code, ruled.currency_name, ruled.usd_exchange_rate, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_currency_id = ruled.currency_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'currency_id: null or empty' then 'currency_id: null or empty'
            when 'currency_code: null or empty' then 'currency_code: null or empty'
            when 'currency_name: null or empty' then 'currency_name: null or empty'
            when 'usd_exchange_rate: null or empty' then 'usd_exchange_rate: null or empty'
            when 'currency_id: not an integer' then 'currency_id: not an integer' || ' ''' || currency_id || ''''
            when 'usd_exchange_rate: not a decimal' then 'usd_exchange_rate: not a decimal' || ' ''' || usd_exchange_rate || ''''
            when 'currency_code: longer than 255 characters' then 'currency_code: longer than 255 characters (' || cast(length(currency_code) as varchar) || ')'
            when 'currency_name: longer than 255 characters' then 'currency_name: longer than 255 characters (' || cast(length(currency_name) as varchar) || ')'
            when 'currency_code: not an allowed value' then 'currency_code: not an allowed value' || ' ''' || currency_code || ''''
            when 'usd_exchange_rate: negative' then 'usd_exchange_rate: negative ' || trim(usd_exchange_rate)
            when 'usd_exchange_rate: zero' then 'usd_exchange_rate: zero ' || trim(usd_exchange_rate)
            when 'conflicting copies of the key' then 'currency_id ' || trim(currency_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'currency_id ' || trim(currency_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        currency_id__typed as currency_id,
        currency_code__typed as currency_code,
        currency_name__typed as currency_name,
        usd_exchange_rate__typed as usd_exchange_rate,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then currency_id end as currency_id__as_sent,
        case when quarantine_rule is not null then currency_code end as currency_code__as_sent,
        case when quarantine_rule is not null then currency_name end as currency_name__as_sent,
        case when quarantine_rule is not null then usd_exchange_rate end as usd_exchange_rate__as_sent
    from explained

)

select * from final
