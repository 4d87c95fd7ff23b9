{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_fact_loan: every bronze row of fact_loans in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_fact_loan keeps the good rows,
-- quarantine_fact_loan the others.

with

arrived as (

    select
        loan_fact_id,
        loan_id,
        customer_id,
        date_id,
        loan_amount,
        loan_status,
        dt
    from {{ source('bronze', 'fact_loans') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(loan_fact_id), '')", 'bigint') }} as loan_fact_id__typed,
        {{ safe_cast_text("nullif(trim(loan_id), '')", 'integer') }} as loan_id__typed,
        {{ safe_cast_text("nullif(trim(customer_id), '')", 'bigint') }} as customer_id__typed,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(loan_amount), '')", 'decimal(18,2)') }} as loan_amount__typed,
        nullif(loan_status, '') as loan_status__typed
    from arrived

),

loan_id_in_extract as (

    -- each loan_id of the day's dim_loans: known, or quarantined and why
    select
        loan_id as parent_key,
        dt as extract_day,
        max(case when quarantine_rule is null or quarantine_rule = 'conflicting copies of the key' then 1 else 0 end) as is_known,
        min(case when quarantine_rule not in ('conflicting copies of the key', 'exact duplicate') then quarantine_reason end) as parent_reason
    from {{ ref('validated_dim_loan') }}
    group by loan_id, dt

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
        loan_id_in_extract.parent_reason as loan_id__parent_reason,
        customer_id_in_extract.parent_reason as customer_id__parent_reason,
        date_id_in_extract.parent_reason as date_id__parent_reason,
        case
            when nullif(trim(loan_fact_id), '') is null
                then 'loan_fact_id: null or empty'
            when nullif(trim(loan_id), '') is null
                then 'loan_id: null or empty'
            when nullif(trim(customer_id), '') is null
                then 'customer_id: null or empty'
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(loan_amount), '') is null
                then 'loan_amount: null or empty'
            when nullif(trim(loan_status), '') is null
                then 'loan_status: null or empty'
            when nullif(trim(loan_fact_id), '') is not null and loan_fact_id__typed is null
                then 'loan_fact_id: not an integer'
            when nullif(trim(loan_id), '') is not null and loan_id__typed is null
                then 'loan_id: not an integer'
            when nullif(trim(customer_id), '') is not null and customer_id__typed is null
                then 'customer_id: not an integer'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(loan_amount), '') is not null and loan_amount__typed is null
                then 'loan_amount: not a decimal'
            when length(loan_status) > 255
                then 'loan_status: longer than 255 characters'
            when loan_status__typed is not null and loan_status__typed not in ('Approved', 'Rejected', 'Pending')
                then 'loan_status: not an allowed value'
            when loan_amount__typed < 0
                then 'loan_amount: negative'
            when loan_amount__typed = 0
                then 'loan_amount: zero'
            when date_id__typed <> cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)
                then 'date_id: not the partition day'
            when coalesce(loan_id_in_extract.is_known, 0) = 0 and loan_id_in_extract.parent_reason is not null
                then 'loan_id: loan quarantined'
            when coalesce(loan_id_in_extract.is_known, 0) = 0
                then 'loan_id: unknown loan'
            when coalesce(customer_id_in_extract.is_known, 0) = 0 and customer_id_in_extract.parent_reason is not null
                then 'customer_id: customer quarantined'
            when coalesce(customer_id_in_extract.is_known, 0) = 0
                then 'customer_id: unknown customer'
            when coalesce(date_id_in_extract.is_known, 0) = 0 and date_id_in_extract.parent_reason is not null
                then 'date_id: date quarantined'
            when coalesce(date_id_in_extract.is_known, 0) = 0
                then 'date_id: unknown date'
        end as row_rule
    from typed
    left join loan_id_in_extract
        on loan_id_in_extract.parent_key = typed.loan_id__typed
        and loan_id_in_extract.extract_day = typed.dt
    left join customer_id_in_extract
        on customer_id_in_extract.parent_key = typed.customer_id__typed
        and customer_id_in_extract.extract_day = typed.dt
    left join date_id_in_extract
        on date_id_in_extract.parent_key = typed.date_id__typed
        and date_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        loan_fact_id__typed as repeated_loan_fact_id,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by loan_fact_id__typed
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
        on repeated_keys.repeated_loan_fact_id = ruled.loan_fact_id__typed
    where ruled.row_rule is not null or repeated_keys.repeated_loan_fact_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.loan_fact_id, ruled.loan_id, ruled.customer_id, ruled.date_id, ruled.loan_amount, ruled.loan_status, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.loan_fact_id, ruled.loan_id, ruled.customer_id, ruled.date_id, ruled.loan_amount, ruled.loan_status, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_loan_fact_id = ruled.loan_fact_id__typed
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'loan_fact_id: null or empty' then 'loan_fact_id: null or empty'
            when 'loan_id: null or empty' then 'loan_id: null or empty'
            when 'customer_id: null or empty' then 'customer_id: null or empty'
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'loan_amount: null or empty' then 'loan_amount: null or empty'
            when 'loan_status: null or empty' then 'loan_status: null or empty'
            when 'loan_fact_id: not an integer' then 'loan_fact_id: not an integer' || ' ''' || loan_fact_id || ''''
            when 'loan_id: not an integer' then 'loan_id: not an integer' || ' ''' || loan_id || ''''
            when 'customer_id: not an integer' then 'customer_id: not an integer' || ' ''' || customer_id || ''''
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'loan_amount: not a decimal' then 'loan_amount: not a decimal' || ' ''' || loan_amount || ''''
            when 'loan_status: longer than 255 characters' then 'loan_status: longer than 255 characters (' || cast(length(loan_status) as varchar) || ')'
            when 'loan_status: not an allowed value' then 'loan_status: not an allowed value' || ' ''' || loan_status || ''''
            when 'loan_amount: negative' then 'loan_amount: negative ' || trim(loan_amount)
            when 'loan_amount: zero' then 'loan_amount: zero ' || trim(loan_amount)
            when 'date_id: not the partition day' then 'date_id: ' || trim(date_id) || ' is not the partition day ' || cast(dt as varchar)
            when 'loan_id: loan quarantined' then 'loan_id: loan ' || trim(loan_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || loan_id__parent_reason || ')'
            when 'loan_id: unknown loan' then 'loan_id: unknown loan ' || trim(loan_id) || ' on ' || cast(dt as varchar)
            when 'customer_id: customer quarantined' then 'customer_id: customer ' || trim(customer_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || customer_id__parent_reason || ')'
            when 'customer_id: unknown customer' then 'customer_id: unknown customer ' || trim(customer_id) || ' on ' || cast(dt as varchar)
            when 'date_id: date quarantined' then 'date_id: date ' || trim(date_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || date_id__parent_reason || ')'
            when 'date_id: unknown date' then 'date_id: unknown date ' || trim(date_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'loan_fact_id ' || trim(loan_fact_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'loan_fact_id ' || trim(loan_fact_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        loan_fact_id__typed as loan_fact_id,
        loan_id__typed as loan_id,
        customer_id__typed as customer_id,
        date_id__typed as date_id,
        loan_amount__typed as loan_amount,
        loan_status__typed as loan_status,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then loan_fact_id end as loan_fact_id__as_sent,
        case when quarantine_rule is not null then loan_id end as loan_id__as_sent,
        case when quarantine_rule is not null then customer_id end as customer_id__as_sent,
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then loan_amount end as loan_amount__as_sent,
        case when quarantine_rule is not null then loan_status end as loan_status__as_sent
    from explained

)

select * from final
