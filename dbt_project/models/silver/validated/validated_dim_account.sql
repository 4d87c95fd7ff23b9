{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_account: every bronze row of dim_accounts in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_account keeps the good rows,
-- quarantine_dim_account the others.

with

arrived as (

    select
        account_id,
        customer_id,
        account_type,
        currency_id,
        account_status,
        open_date,
        updated_at,
        dt
    from {{ source('bronze', 'dim_accounts') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(account_id), '')", 'bigint') }} as account_id__typed,
        {{ safe_cast_text("nullif(trim(customer_id), '')", 'bigint') }} as customer_id__typed,
        nullif(account_type, '') as account_type__typed,
        {{ safe_cast_text("nullif(trim(currency_id), '')", 'integer') }} as currency_id__typed,
        nullif(account_status, '') as account_status__typed,
        {{ safe_cast_text("nullif(trim(open_date), '')", 'date') }} as open_date__typed,
        {{ safe_cast_text("nullif(trim(updated_at), '')", 'timestamp') }} as updated_at__typed
    from arrived

),

customer_id_in_extract as (

    -- each customer_id of the day's dim_customers: known, or quarantined and why
    select
        customer_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_customer') }}
    group by customer_id, dt

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

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        customer_id_in_extract.parent_reason as customer_id__parent_reason,
        currency_id_in_extract.parent_reason as currency_id__parent_reason,
        case
            when nullif(trim(account_id), '') is null
                then 'account_id: null or empty'
            when nullif(trim(customer_id), '') is null
                then 'customer_id: null or empty'
            when nullif(trim(account_type), '') is null
                then 'account_type: null or empty'
            when nullif(trim(currency_id), '') is null
                then 'currency_id: null or empty'
            when nullif(trim(account_status), '') is null
                then 'account_status: null or empty'
            when nullif(trim(open_date), '') is null
                then 'open_date: null or empty'
            when nullif(trim(updated_at), '') is null
                then 'updated_at: null or empty'
            when nullif(trim(account_id), '') is not null and account_id__typed is null
                then 'account_id: not an integer'
            when nullif(trim(customer_id), '') is not null and customer_id__typed is null
                then 'customer_id: not an integer'
            when nullif(trim(currency_id), '') is not null and currency_id__typed is null
                then 'currency_id: not an integer'
            when nullif(trim(open_date), '') is not null and open_date__typed is null
                then 'open_date: not a date'
            when nullif(trim(updated_at), '') is not null and updated_at__typed is null
                then 'updated_at: not a timestamp'
            when length(account_type) > 255
                then 'account_type: longer than 255 characters'
            when length(account_status) > 255
                then 'account_status: longer than 255 characters'
            when open_date__typed > dt
                then 'open_date: after the extract day'
            when account_type__typed is not null and account_type__typed not in ('Checking', 'Savings', 'Money Market')
                then 'account_type: not an allowed value'
            when account_status__typed is not null and account_status__typed not in ('Active', 'Dormant', 'Frozen')
                then 'account_status: not an allowed value'
            when coalesce(customer_id_in_extract.is_known, 0) = 0 and customer_id_in_extract.parent_reason is not null
                then 'customer_id: customer quarantined'
            when coalesce(customer_id_in_extract.is_known, 0) = 0
                then 'customer_id: unknown customer'
            when coalesce(currency_id_in_extract.is_known, 0) = 0 and currency_id_in_extract.parent_reason is not null
                then 'currency_id: currency quarantined'
            when coalesce(currency_id_in_extract.is_known, 0) = 0
                then 'currency_id: unknown currency'
        end as row_rule
    from typed
    left join customer_id_in_extract
        on customer_id_in_extract.parent_key = typed.customer_id__typed
        and customer_id_in_extract.extract_day = typed.dt
    left join currency_id_in_extract
        on currency_id_in_extract.parent_key = typed.currency_id__typed
        and currency_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        account_id__typed as repeated_account_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by account_id__typed, dt
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
        on repeated_keys.repeated_account_id = ruled.account_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_account_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.account_id, ruled.customer_id, ruled.account_type, ruled.currency_id, ruled.account_status, ruled.open_date, ruled.updated_at, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.account_id, ruled.customer_id, ruled.account_type, ruled.currency_id, ruled.account_status, ruled.open_date, ruled.updated_at, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_account_id = ruled.account_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'account_id: null or empty' then 'account_id: null or empty'
            when 'customer_id: null or empty' then 'customer_id: null or empty'
            when 'account_type: null or empty' then 'account_type: null or empty'
            when 'currency_id: null or empty' then 'currency_id: null or empty'
            when 'account_status: null or empty' then 'account_status: null or empty'
            when 'open_date: null or empty' then 'open_date: null or empty'
            when 'updated_at: null or empty' then 'updated_at: null or empty'
            when 'account_id: not an integer' then 'account_id: not an integer' || ' ''' || account_id || ''''
            when 'customer_id: not an integer' then 'customer_id: not an integer' || ' ''' || customer_id || ''''
            when 'currency_id: not an integer' then 'currency_id: not an integer' || ' ''' || currency_id || ''''
            when 'open_date: not a date' then 'open_date: not a date' || ' ''' || open_date || ''''
            when 'updated_at: not a timestamp' then 'updated_at: not a timestamp' || ' ''' || updated_at || ''''
            when 'account_type: longer than 255 characters' then 'account_type: longer than 255 characters (' || cast(length(account_type) as varchar) || ')'
            when 'account_status: longer than 255 characters' then 'account_status: longer than 255 characters (' || cast(length(account_status) as varchar) || ')'
            when 'open_date: after the extract day' then 'open_date: after the extract day ' || cast(dt as varchar) || ' ''' || open_date || ''''
            when 'account_type: not an allowed value' then 'account_type: not an allowed value' || ' ''' || account_type || ''''
            when 'account_status: not an allowed value' then 'account_status: not an allowed value' || ' ''' || account_status || ''''
            when 'customer_id: customer quarantined' then 'customer_id: customer ' || trim(customer_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || customer_id__parent_reason || ')'
            when 'customer_id: unknown customer' then 'customer_id: unknown customer ' || trim(customer_id) || ' on ' || cast(dt as varchar)
            when 'currency_id: currency quarantined' then 'currency_id: currency ' || trim(currency_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || currency_id__parent_reason || ')'
            when 'currency_id: unknown currency' then 'currency_id: unknown currency ' || trim(currency_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'account_id ' || trim(account_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'account_id ' || trim(account_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        account_id__typed as account_id,
        customer_id__typed as customer_id,
        account_type__typed as account_type,
        currency_id__typed as currency_id,
        account_status__typed as account_status,
        open_date__typed as open_date,
        updated_at__typed as updated_at,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then account_id end as account_id__as_sent,
        case when quarantine_rule is not null then customer_id end as customer_id__as_sent,
        case when quarantine_rule is not null then account_type end as account_type__as_sent,
        case when quarantine_rule is not null then currency_id end as currency_id__as_sent,
        case when quarantine_rule is not null then account_status end as account_status__as_sent,
        case when quarantine_rule is not null then open_date end as open_date__as_sent,
        case when quarantine_rule is not null then updated_at end as updated_at__as_sent
    from explained

)

select * from final
