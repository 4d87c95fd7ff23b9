{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_fact_investment: every bronze row of fact_investments in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_fact_investment keeps the good rows,
-- quarantine_fact_investment the others.

with

arrived as (

    select
        investment_id,
        customer_id,
        account_id,
        investment_type_id,
        date_id,
        investment_amount,
        investment_return,
        dt
    from {{ source('bronze', 'fact_investments') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(investment_id), '')", 'bigint') }} as investment_id__typed,
        {{ safe_cast_text("nullif(trim(customer_id), '')", 'bigint') }} as customer_id__typed,
        {{ safe_cast_text("nullif(trim(account_id), '')", 'bigint') }} as account_id__typed,
        {{ safe_cast_text("nullif(trim(investment_type_id), '')", 'integer') }} as investment_type_id__typed,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(investment_amount), '')", 'decimal(18,2)') }} as investment_amount__typed,
        {{ safe_cast_text("nullif(trim(investment_return), '')", 'decimal(18,2)') }} as investment_return__typed
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

investment_type_id_in_extract as (

    -- each investment_type_id of the day's dim_investment_types: known, or quarantined and why
    select
        investment_type_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_investment_type') }}
    group by investment_type_id, dt

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

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        customer_id_in_extract.parent_reason as customer_id__parent_reason,
        account_id_in_extract.parent_reason as account_id__parent_reason,
        investment_type_id_in_extract.parent_reason as investment_type_id__parent_reason,
        date_id_in_extract.parent_reason as date_id__parent_reason,
        case
            when nullif(trim(investment_id), '') is null
                then 'investment_id: null or empty'
            when nullif(trim(customer_id), '') is null
                then 'customer_id: null or empty'
            when nullif(trim(account_id), '') is null
                then 'account_id: null or empty'
            when nullif(trim(investment_type_id), '') is null
                then 'investment_type_id: null or empty'
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(investment_amount), '') is null
                then 'investment_amount: null or empty'
            when nullif(trim(investment_return), '') is null
                then 'investment_return: null or empty'
            when nullif(trim(investment_id), '') is not null and investment_id__typed is null
                then 'investment_id: not an integer'
            when nullif(trim(customer_id), '') is not null and customer_id__typed is null
                then 'customer_id: not an integer'
            when nullif(trim(account_id), '') is not null and account_id__typed is null
                then 'account_id: not an integer'
            when nullif(trim(investment_type_id), '') is not null and investment_type_id__typed is null
                then 'investment_type_id: not an integer'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(investment_amount), '') is not null and investment_amount__typed is null
                then 'investment_amount: not a decimal'
            when nullif(trim(investment_return), '') is not null and investment_return__typed is null
                then 'investment_return: not a decimal'
            when investment_amount__typed < 0
                then 'investment_amount: negative'
            when investment_amount__typed = 0
                then 'investment_amount: zero'
            when date_id__typed <> cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)
                then 'date_id: not the partition day'
            when coalesce(customer_id_in_extract.is_known, 0) = 0 and customer_id_in_extract.parent_reason is not null
                then 'customer_id: customer quarantined'
            when coalesce(customer_id_in_extract.is_known, 0) = 0
                then 'customer_id: unknown customer'
            when coalesce(account_id_in_extract.is_known, 0) = 0 and account_id_in_extract.parent_reason is not null
                then 'account_id: account quarantined'
            when coalesce(account_id_in_extract.is_known, 0) = 0
                then 'account_id: unknown account'
            when coalesce(investment_type_id_in_extract.is_known, 0) = 0 and investment_type_id_in_extract.parent_reason is not null
                then 'investment_type_id: investment type quarantined'
            when coalesce(investment_type_id_in_extract.is_known, 0) = 0
                then 'investment_type_id: unknown investment type'
            when coalesce(date_id_in_extract.is_known, 0) = 0 and date_id_in_extract.parent_reason is not null
                then 'date_id: date quarantined'
            when coalesce(date_id_in_extract.is_known, 0) = 0
                then 'date_id: unknown date'
        end as row_rule
    from typed
    left join customer_id_in_extract
        on customer_id_in_extract.parent_key = typed.customer_id__typed
        and customer_id_in_extract.extract_day = typed.dt
    left join account_id_in_extract
        on account_id_in_extract.parent_key = typed.account_id__typed
        and account_id_in_extract.extract_day = typed.dt
    left join investment_type_id_in_extract
        on investment_type_id_in_extract.parent_key = typed.investment_type_id__typed
        and investment_type_id_in_extract.extract_day = typed.dt
    left join date_id_in_extract
        on date_id_in_extract.parent_key = typed.date_id__typed
        and date_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        investment_id__typed as repeated_investment_id,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by investment_id__typed
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
        on repeated_keys.repeated_investment_id = ruled.investment_id__typed
    where ruled.row_rule is not null or repeated_keys.repeated_investment_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.investment_id, ruled.customer_id, ruled.account_id, ruled.investment_type_id, ruled.date_id, ruled.investment_amount, ruled.investment_return, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.investment_id, ruled.customer_id, ruled.account_id, ruled.investment_type_id, ruled.date_id, ruled.investment_amount, ruled.investment_return, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_investment_id = ruled.investment_id__typed
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'investment_id: null or empty' then 'investment_id: null or empty'
            when 'customer_id: null or empty' then 'customer_id: null or empty'
            when 'account_id: null or empty' then 'account_id: null or empty'
            when 'investment_type_id: null or empty' then 'investment_type_id: null or empty'
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'investment_amount: null or empty' then 'investment_amount: null or empty'
            when 'investment_return: null or empty' then 'investment_return: null or empty'
            when 'investment_id: not an integer' then 'investment_id: not an integer' || ' ''' || investment_id || ''''
            when 'customer_id: not an integer' then 'customer_id: not an integer' || ' ''' || customer_id || ''''
            when 'account_id: not an integer' then 'account_id: not an integer' || ' ''' || account_id || ''''
            when 'investment_type_id: not an integer' then 'investment_type_id: not an integer' || ' ''' || investment_type_id || ''''
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'investment_amount: not a decimal' then 'investment_amount: not a decimal' || ' ''' || investment_amount || ''''
            when 'investment_return: not a decimal' then 'investment_return: not a decimal' || ' ''' || investment_return || ''''
            when 'investment_amount: negative' then 'investment_amount: negative ' || trim(investment_amount)
            when 'investment_amount: zero' then 'investment_amount: zero ' || trim(investment_amount)
            when 'date_id: not the partition day' then 'date_id: ' || trim(date_id) || ' is not the partition day ' || cast(dt as varchar)
            when 'customer_id: customer quarantined' then 'customer_id: customer ' || trim(customer_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || customer_id__parent_reason || ')'
            when 'customer_id: unknown customer' then 'customer_id: unknown customer ' || trim(customer_id) || ' on ' || cast(dt as varchar)
            when 'account_id: account quarantined' then 'account_id: account ' || trim(account_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || account_id__parent_reason || ')'
            when 'account_id: unknown account' then 'account_id: unknown account ' || trim(account_id) || ' on ' || cast(dt as varchar)
            when 'investment_type_id: investment type quarantined' then 'investment_type_id: investment type ' || trim(investment_type_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || investment_type_id__parent_reason || ')'
            when 'investment_type_id: unknown investment type' then 'investment_type_id: unknown investment type ' || trim(investment_type_id) || ' on ' || cast(dt as varchar)
            when 'date_id: date quarantined' then 'date_id: date ' || trim(date_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || date_id__parent_reason || ')'
            when 'date_id: unknown date' then 'date_id: unknown date ' || trim(date_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'investment_id ' || trim(investment_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'investment_id ' || trim(investment_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        investment_id__typed as investment_id,
        customer_id__typed as customer_id,
        account_id__typed as account_id,
        investment_type_id__typed as investment_type_id,
        date_id__typed as date_id,
        investment_amount__typed as investment_amount,
        investment_return__typed as investment_return,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then investment_id end as investment_id__as_sent,
        case when quarantine_rule is not null then customer_id end as customer_id__as_sent,
        case when quarantine_rule is not null then account_id end as account_id__as_sent,
        case when quarantine_rule is not null then investment_type_id end as investment_type_id__as_sent,
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then investment_amount end as investment_amount__as_sent,
        case when quarantine_rule is not null then investment_return end as investment_return__as_sent
    from explained

)

select * from final
