{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_fact_transaction: every bronze row of fact_transactions in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_fact_transaction keeps the good rows,
-- quarantine_fact_transaction the others.

with

arrived as (

    select
        transaction_id,
        account_id,
        date_id,
        transaction_timestamp,
        channel_id,
        location_id,
        currency_id,
        transaction_type_id,
        transaction_amount,
        transaction_status,
        description,
        dt
    from {{ source('bronze', 'fact_transactions') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(transaction_id), '')", 'bigint') }} as transaction_id__typed,
        {{ safe_cast_text("nullif(trim(account_id), '')", 'bigint') }} as account_id__typed,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(transaction_timestamp), '')", 'timestamp') }} as transaction_timestamp__typed,
        {{ safe_cast_text("nullif(trim(channel_id), '')", 'integer') }} as channel_id__typed,
        {{ safe_cast_text("nullif(trim(location_id), '')", 'integer') }} as location_id__typed,
        {{ safe_cast_text("nullif(trim(currency_id), '')", 'integer') }} as currency_id__typed,
        {{ safe_cast_text("nullif(trim(transaction_type_id), '')", 'integer') }} as transaction_type_id__typed,
        {{ safe_cast_text("nullif(trim(transaction_amount), '')", 'decimal(18,2)') }} as transaction_amount__typed,
        nullif(transaction_status, '') as transaction_status__typed,
        nullif(description, '') as description__typed
    from arrived

),

account_id_in_extract as (

    -- each account_id of the day's dim_accounts: known, or quarantined and why
    select
        account_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_account') }}
    group by account_id, dt

),

date_id_in_extract as (

    -- each date_id of the day's dim_dates: known, or quarantined and why
    select
        date_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_date') }}
    group by date_id, dt

),

channel_id_in_extract as (

    -- each channel_id of the day's dim_channels: known, or quarantined and why
    select
        channel_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_channel') }}
    group by channel_id, dt

),

location_id_in_extract as (

    -- each location_id of the day's dim_locations: known, or quarantined and why
    select
        location_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_location') }}
    group by location_id, dt

),

currency_id_in_extract as (

    -- each currency_id of the day's dim_currencies: known, or quarantined and why
    select
        currency_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_currency') }}
    group by currency_id, dt

),

transaction_type_id_in_extract as (

    -- each transaction_type_id of the day's dim_transaction_types: known, or quarantined and why
    select
        transaction_type_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_transaction_type') }}
    group by transaction_type_id, dt

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        account_id_in_extract.parent_reason as account_id__parent_reason,
        date_id_in_extract.parent_reason as date_id__parent_reason,
        channel_id_in_extract.parent_reason as channel_id__parent_reason,
        location_id_in_extract.parent_reason as location_id__parent_reason,
        currency_id_in_extract.parent_reason as currency_id__parent_reason,
        transaction_type_id_in_extract.parent_reason as transaction_type_id__parent_reason,
        case
            when nullif(trim(transaction_id), '') is null
                then 'transaction_id: null or empty'
            when nullif(trim(account_id), '') is null
                then 'account_id: null or empty'
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(transaction_timestamp), '') is null
                then 'transaction_timestamp: null or empty'
            when nullif(trim(channel_id), '') is null
                then 'channel_id: null or empty'
            when nullif(trim(location_id), '') is null
                then 'location_id: null or empty'
            when nullif(trim(currency_id), '') is null
                then 'currency_id: null or empty'
            when nullif(trim(transaction_type_id), '') is null
                then 'transaction_type_id: null or empty'
            when nullif(trim(transaction_amount), '') is null
                then 'transaction_amount: null or empty'
            when nullif(trim(transaction_status), '') is null
                then 'transaction_status: null or empty'
            when nullif(trim(description), '') is null
                then 'description: null or empty'
            when nullif(trim(transaction_id), '') is not null and transaction_id__typed is null
                then 'transaction_id: not an integer'
            when nullif(trim(account_id), '') is not null and account_id__typed is null
                then 'account_id: not an integer'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(transaction_timestamp), '') is not null and transaction_timestamp__typed is null
                then 'transaction_timestamp: not a timestamp'
            when nullif(trim(channel_id), '') is not null and channel_id__typed is null
                then 'channel_id: not an integer'
            when nullif(trim(location_id), '') is not null and location_id__typed is null
                then 'location_id: not an integer'
            when nullif(trim(currency_id), '') is not null and currency_id__typed is null
                then 'currency_id: not an integer'
            when nullif(trim(transaction_type_id), '') is not null and transaction_type_id__typed is null
                then 'transaction_type_id: not an integer'
            when nullif(trim(transaction_amount), '') is not null and transaction_amount__typed is null
                then 'transaction_amount: not a decimal'
            when length(transaction_status) > 255
                then 'transaction_status: longer than 255 characters'
            when length(description) > 255
                then 'description: longer than 255 characters'
            when transaction_status__typed is not null and transaction_status__typed not in ('Completed', 'Pending', 'Failed', 'Reversed')
                then 'transaction_status: not an allowed value'
            when transaction_amount__typed < 0
                then 'transaction_amount: negative'
            when transaction_amount__typed = 0
                then 'transaction_amount: zero'
            when date_id__typed <> cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)
                then 'date_id: not the partition day'
            when cast(transaction_timestamp__typed as date) <> dt
                then 'transaction_timestamp: not on the partition day'
            when coalesce(account_id_in_extract.is_known, 0) = 0 and account_id_in_extract.parent_reason is not null
                then 'account_id: account quarantined'
            when coalesce(account_id_in_extract.is_known, 0) = 0
                then 'account_id: unknown account'
            when coalesce(date_id_in_extract.is_known, 0) = 0 and date_id_in_extract.parent_reason is not null
                then 'date_id: date quarantined'
            when coalesce(date_id_in_extract.is_known, 0) = 0
                then 'date_id: unknown date'
            when coalesce(channel_id_in_extract.is_known, 0) = 0 and channel_id_in_extract.parent_reason is not null
                then 'channel_id: channel quarantined'
            when coalesce(channel_id_in_extract.is_known, 0) = 0
                then 'channel_id: unknown channel'
            when coalesce(location_id_in_extract.is_known, 0) = 0 and location_id_in_extract.parent_reason is not null
                then 'location_id: location quarantined'
            when coalesce(location_id_in_extract.is_known, 0) = 0
                then 'location_id: unknown location'
            when coalesce(currency_id_in_extract.is_known, 0) = 0 and currency_id_in_extract.parent_reason is not null
                then 'currency_id: currency quarantined'
            when coalesce(currency_id_in_extract.is_known, 0) = 0
                then 'currency_id: unknown currency'
            when coalesce(transaction_type_id_in_extract.is_known, 0) = 0 and transaction_type_id_in_extract.parent_reason is not null
                then 'transaction_type_id: transaction type quarantined'
            when coalesce(transaction_type_id_in_extract.is_known, 0) = 0
                then 'transaction_type_id: unknown transaction type'
        end as row_rule
    from typed
    left join account_id_in_extract
        on account_id_in_extract.parent_key = typed.account_id__typed
        and account_id_in_extract.extract_day = typed.dt
    left join date_id_in_extract
        on date_id_in_extract.parent_key = typed.date_id__typed
        and date_id_in_extract.extract_day = typed.dt
    left join channel_id_in_extract
        on channel_id_in_extract.parent_key = typed.channel_id__typed
        and channel_id_in_extract.extract_day = typed.dt
    left join location_id_in_extract
        on location_id_in_extract.parent_key = typed.location_id__typed
        and location_id_in_extract.extract_day = typed.dt
    left join currency_id_in_extract
        on currency_id_in_extract.parent_key = typed.currency_id__typed
        and currency_id_in_extract.extract_day = typed.dt
    left join transaction_type_id_in_extract
        on transaction_type_id_in_extract.parent_key = typed.transaction_type_id__typed
        and transaction_type_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        transaction_id__typed as repeated_transaction_id,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by transaction_id__typed
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
        on repeated_keys.repeated_transaction_id = ruled.transaction_id__typed
    where ruled.row_rule is not null or repeated_keys.repeated_transaction_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.transaction_id, ruled.account_id, ruled.date_id, ruled.transaction_timestamp, ruled.channel_id, ruled.location_id, ruled.currency_id, ruled.transaction_type_id, ruled.transaction_amount, ruled.transaction_status, ruled.description, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.transaction_id, ruled.account_id, ruled.date_id, ruled.transaction_timestamp, ruled.channel_id, ruled.location_id, ruled.currency_id, ruled.transaction_type_id, ruled.transaction_amount, ruled.transaction_status, ruled.description, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_transaction_id = ruled.transaction_id__typed
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'transaction_id: null or empty' then 'transaction_id: null or empty'
            when 'account_id: null or empty' then 'account_id: null or empty'
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'transaction_timestamp: null or empty' then 'transaction_timestamp: null or empty'
            when 'channel_id: null or empty' then 'channel_id: null or empty'
            when 'location_id: null or empty' then 'location_id: null or empty'
            when 'currency_id: null or empty' then 'currency_id: null or empty'
            when 'transaction_type_id: null or empty' then 'transaction_type_id: null or empty'
            when 'transaction_amount: null or empty' then 'transaction_amount: null or empty'
            when 'transaction_status: null or empty' then 'transaction_status: null or empty'
            when 'description: null or empty' then 'description: null or empty'
            when 'transaction_id: not an integer' then 'transaction_id: not an integer' || ' ''' || transaction_id || ''''
            when 'account_id: not an integer' then 'account_id: not an integer' || ' ''' || account_id || ''''
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'transaction_timestamp: not a timestamp' then 'transaction_timestamp: not a timestamp' || ' ''' || transaction_timestamp || ''''
            when 'channel_id: not an integer' then 'channel_id: not an integer' || ' ''' || channel_id || ''''
            when 'location_id: not an integer' then 'location_id: not an integer' || ' ''' || location_id || ''''
            when 'currency_id: not an integer' then 'currency_id: not an integer' || ' ''' || currency_id || ''''
            when 'transaction_type_id: not an integer' then 'transaction_type_id: not an integer' || ' ''' || transaction_type_id || ''''
            when 'transaction_amount: not a decimal' then 'transaction_amount: not a decimal' || ' ''' || transaction_amount || ''''
            when 'transaction_status: longer than 255 characters' then 'transaction_status: longer than 255 characters (' || cast(length(transaction_status) as varchar) || ')'
            when 'description: longer than 255 characters' then 'description: longer than 255 characters (' || cast(length(description) as varchar) || ')'
            when 'transaction_status: not an allowed value' then 'transaction_status: not an allowed value' || ' ''' || transaction_status || ''''
            when 'transaction_amount: negative' then 'transaction_amount: negative ' || trim(transaction_amount)
            when 'transaction_amount: zero' then 'transaction_amount: zero ' || trim(transaction_amount)
            when 'date_id: not the partition day' then 'date_id: ' || trim(date_id) || ' is not the partition day ' || cast(dt as varchar)
            when 'transaction_timestamp: not on the partition day' then 'transaction_timestamp: ' || trim(transaction_timestamp) || ' is not on the partition day ' || cast(dt as varchar)
            when 'account_id: account quarantined' then 'account_id: account ' || trim(account_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || account_id__parent_reason || ')'
            when 'account_id: unknown account' then 'account_id: unknown account ' || trim(account_id) || ' on ' || cast(dt as varchar)
            when 'date_id: date quarantined' then 'date_id: date ' || trim(date_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || date_id__parent_reason || ')'
            when 'date_id: unknown date' then 'date_id: unknown date ' || trim(date_id) || ' on ' || cast(dt as varchar)
            when 'channel_id: channel quarantined' then 'channel_id: channel ' || trim(channel_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || channel_id__parent_reason || ')'
            when 'channel_id: unknown channel' then 'channel_id: unknown channel ' || trim(channel_id) || ' on ' || cast(dt as varchar)
            when 'location_id: location quarantined' then 'location_id: location ' || trim(location_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || location_id__parent_reason || ')'
            when 'location_id: unknown location' then 'location_id: unknown location ' || trim(location_id) || ' on ' || cast(dt as varchar)
            when 'currency_id: currency quarantined' then 'currency_id: currency ' || trim(currency_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || currency_id__parent_reason || ')'
            when 'currency_id: unknown currency' then 'currency_id: unknown currency ' || trim(currency_id) || ' on ' || cast(dt as varchar)
            when 'transaction_type_id: transaction type quarantined' then 'transaction_type_id: transaction type ' || trim(transaction_type_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || transaction_type_id__parent_reason || ')'
            when 'transaction_type_id: unknown transaction type' then 'transaction_type_id: unknown transaction type ' || trim(transaction_type_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'transaction_id ' || trim(transaction_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'transaction_id ' || trim(transaction_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        transaction_id__typed as transaction_id,
        account_id__typed as account_id,
        date_id__typed as date_id,
        transaction_timestamp__typed as transaction_timestamp,
        channel_id__typed as channel_id,
        location_id__typed as location_id,
        currency_id__typed as currency_id,
        transaction_type_id__typed as transaction_type_id,
        transaction_amount__typed as transaction_amount,
        transaction_status__typed as transaction_status,
        description__typed as description,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then transaction_id end as transaction_id__as_sent,
        case when quarantine_rule is not null then account_id end as account_id__as_sent,
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then transaction_timestamp end as transaction_timestamp__as_sent,
        case when quarantine_rule is not null then channel_id end as channel_id__as_sent,
        case when quarantine_rule is not null then location_id end as location_id__as_sent,
        case when quarantine_rule is not null then currency_id end as currency_id__as_sent,
        case when quarantine_rule is not null then transaction_type_id end as transaction_type_id__as_sent,
        case when quarantine_rule is not null then transaction_amount end as transaction_amount__as_sent,
        case when quarantine_rule is not null then transaction_status end as transaction_status__as_sent,
        case when quarantine_rule is not null then description end as description__as_sent
    from explained

)

select * from final
