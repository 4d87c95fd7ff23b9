{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_fact_daily_balances: every bronze row of fact_daily_balances in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_fact_daily_balances keeps the good rows,
-- quarantine_fact_daily_balances the others.

with

arrived as (

    select
        account_id,
        date_id,
        currency_id,
        opening_balance,
        total_credits,
        total_debits,
        closing_balance,
        dt
    from {{ source('bronze', 'fact_daily_balances') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(account_id), '')", 'bigint') }} as account_id__typed,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(currency_id), '')", 'integer') }} as currency_id__typed,
        {{ safe_cast_text("nullif(trim(opening_balance), '')", 'decimal(18,2)') }} as opening_balance__typed,
        {{ safe_cast_text("nullif(trim(total_credits), '')", 'decimal(18,2)') }} as total_credits__typed,
        {{ safe_cast_text("nullif(trim(total_debits), '')", 'decimal(18,2)') }} as total_debits__typed,
        {{ safe_cast_text("nullif(trim(closing_balance), '')", 'decimal(18,2)') }} as closing_balance__typed
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
        account_id_in_extract.parent_reason as account_id__parent_reason,
        date_id_in_extract.parent_reason as date_id__parent_reason,
        currency_id_in_extract.parent_reason as currency_id__parent_reason,
        case
            when nullif(trim(account_id), '') is null
                then 'account_id: null or empty'
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(currency_id), '') is null
                then 'currency_id: null or empty'
            when nullif(trim(opening_balance), '') is null
                then 'opening_balance: null or empty'
            when nullif(trim(total_credits), '') is null
                then 'total_credits: null or empty'
            when nullif(trim(total_debits), '') is null
                then 'total_debits: null or empty'
            when nullif(trim(closing_balance), '') is null
                then 'closing_balance: null or empty'
            when nullif(trim(account_id), '') is not null and account_id__typed is null
                then 'account_id: not an integer'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(currency_id), '') is not null and currency_id__typed is null
                then 'currency_id: not an integer'
            when nullif(trim(opening_balance), '') is not null and opening_balance__typed is null
                then 'opening_balance: not a decimal'
            when nullif(trim(total_credits), '') is not null and total_credits__typed is null
                then 'total_credits: not a decimal'
            when nullif(trim(total_debits), '') is not null and total_debits__typed is null
                then 'total_debits: not a decimal'
            when nullif(trim(closing_balance), '') is not null and closing_balance__typed is null
                then 'closing_balance: not a decimal'
            when opening_balance__typed < 0
                then 'opening_balance: negative'
            when total_credits__typed < 0
                then 'total_credits: negative'
            when total_debits__typed < 0
                then 'total_debits: negative'
            when closing_balance__typed < 0
                then 'closing_balance: negative'
            when date_id__typed <> cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)
                then 'date_id: not the partition day'
            when coalesce(account_id_in_extract.is_known, 0) = 0 and account_id_in_extract.parent_reason is not null
                then 'account_id: account quarantined'
            when coalesce(account_id_in_extract.is_known, 0) = 0
                then 'account_id: unknown account'
            when coalesce(date_id_in_extract.is_known, 0) = 0 and date_id_in_extract.parent_reason is not null
                then 'date_id: date quarantined'
            when coalesce(date_id_in_extract.is_known, 0) = 0
                then 'date_id: unknown date'
            when coalesce(currency_id_in_extract.is_known, 0) = 0 and currency_id_in_extract.parent_reason is not null
                then 'currency_id: currency quarantined'
            when coalesce(currency_id_in_extract.is_known, 0) = 0
                then 'currency_id: unknown currency'
        end as row_rule
    from typed
    left join account_id_in_extract
        on account_id_in_extract.parent_key = typed.account_id__typed
        and account_id_in_extract.extract_day = typed.dt
    left join date_id_in_extract
        on date_id_in_extract.parent_key = typed.date_id__typed
        and date_id_in_extract.extract_day = typed.dt
    left join currency_id_in_extract
        on currency_id_in_extract.parent_key = typed.currency_id__typed
        and currency_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        account_id__typed as repeated_account_id,
        date_id__typed as repeated_date_id,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by account_id__typed, date_id__typed
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
        and repeated_keys.repeated_date_id = ruled.date_id__typed
    where ruled.row_rule is not null or repeated_keys.repeated_account_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.account_id, ruled.date_id, ruled.currency_id, ruled.opening_balance, ruled.total_credits, ruled.total_debits, ruled.closing_balance, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.account_id, ruled.date_id, ruled.currency_id, ruled.opening_balance, ruled.total_credits, ruled.total_debits, ruled.closing_balance, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_account_id = ruled.account_id__typed
        and repeated_keys.repeated_date_id = ruled.date_id__typed
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'account_id: null or empty' then 'account_id: null or empty'
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'currency_id: null or empty' then 'currency_id: null or empty'
            when 'opening_balance: null or empty' then 'opening_balance: null or empty'
            when 'total_credits: null or empty' then 'total_credits: null or empty'
            when 'total_debits: null or empty' then 'total_debits: null or empty'
            when 'closing_balance: null or empty' then 'closing_balance: null or empty'
            when 'account_id: not an integer' then 'account_id: not an integer' || ' ''' || account_id || ''''
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'currency_id: not an integer' then 'currency_id: not an integer' || ' ''' || currency_id || ''''
            when 'opening_balance: not a decimal' then 'opening_balance: not a decimal' || ' ''' || opening_balance || ''''
            when 'total_credits: not a decimal' then 'total_credits: not a decimal' || ' ''' || total_credits || ''''
            when 'total_debits: not a decimal' then 'total_debits: not a decimal' || ' ''' || total_debits || ''''
            when 'closing_balance: not a decimal' then 'closing_balance: not a decimal' || ' ''' || closing_balance || ''''
            when 'opening_balance: negative' then 'opening_balance: negative ' || trim(opening_balance)
            when 'total_credits: negative' then 'total_credits: negative ' || trim(total_credits)
            when 'total_debits: negative' then 'total_debits: negative ' || trim(total_debits)
            when 'closing_balance: negative' then 'closing_balance: negative ' || trim(closing_balance)
            when 'date_id: not the partition day' then 'date_id: ' || trim(date_id) || ' is not the partition day ' || cast(dt as varchar)
            when 'account_id: account quarantined' then 'account_id: account ' || trim(account_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || account_id__parent_reason || ')'
            when 'account_id: unknown account' then 'account_id: unknown account ' || trim(account_id) || ' on ' || cast(dt as varchar)
            when 'date_id: date quarantined' then 'date_id: date ' || trim(date_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || date_id__parent_reason || ')'
            when 'date_id: unknown date' then 'date_id: unknown date ' || trim(date_id) || ' on ' || cast(dt as varchar)
            when 'currency_id: currency quarantined' then 'currency_id: currency ' || trim(currency_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || currency_id__parent_reason || ')'
            when 'currency_id: unknown currency' then 'currency_id: unknown currency ' || trim(currency_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'account_id, date_id ' || trim(account_id) || ', ' || trim(date_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'account_id, date_id ' || trim(account_id) || ', ' || trim(date_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        account_id__typed as account_id,
        date_id__typed as date_id,
        currency_id__typed as currency_id,
        opening_balance__typed as opening_balance,
        total_credits__typed as total_credits,
        total_debits__typed as total_debits,
        closing_balance__typed as closing_balance,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then account_id end as account_id__as_sent,
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then currency_id end as currency_id__as_sent,
        case when quarantine_rule is not null then opening_balance end as opening_balance__as_sent,
        case when quarantine_rule is not null then total_credits end as total_credits__as_sent,
        case when quarantine_rule is not null then total_debits end as total_debits__as_sent,
        case when quarantine_rule is not null then closing_balance end as closing_balance__as_sent
    from explained

)

select * from final
