{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_loan: every bronze row of dim_loans in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_loan keeps the good rows,
-- quarantine_dim_loan the others.

with

arrived as (

    select
        loan_id,
        loan_type,
        loan_name,
        interest_rate,
        term_months,
        dt
    from {{ source('bronze', 'dim_loans') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(loan_id), '')", 'integer') }} as loan_id__typed,
        nullif(loan_type, '') as loan_type__typed,
        nullif(loan_name, '') as loan_name__typed,
        {{ safe_cast_text("nullif(trim(interest_rate), '')", 'decimal(18,2)') }} as interest_rate__typed,
        {{ safe_cast_text("nullif(trim(term_months), '')", 'integer') }} as term_months__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(loan_id), '') is null
                then 'loan_id: null or empty'
            when nullif(trim(loan_type), '') is null
                then 'loan_type: null or empty'
            when nullif(trim(loan_name), '') is null
                then 'loan_name: null or empty'
            when nullif(trim(interest_rate), '') is null
                then 'interest_rate: null or empty'
            when nullif(trim(term_months), '') is null
                then 'term_months: null or empty'
            when nullif(trim(loan_id), '') is not null and loan_id__typed is null
                then 'loan_id: not an integer'
            when nullif(trim(interest_rate), '') is not null and interest_rate__typed is null
                then 'interest_rate: not a decimal'
            when nullif(trim(term_months), '') is not null and term_months__typed is null
                then 'term_months: not an integer'
            when length(loan_type) > 255
                then 'loan_type: longer than 255 characters'
            when length(loan_name) > 255
                then 'loan_name: longer than 255 characters'
            when loan_type__typed is not null and loan_type__typed not in ('Mortgage', 'Auto', 'Personal', 'Student', 'Business')
                then 'loan_type: not an allowed value'
            when interest_rate__typed < 0
                then 'interest_rate: negative'
            when term_months__typed < 0
                then 'term_months: negative'
            when term_months__typed = 0
                then 'term_months: zero'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        loan_id__typed as repeated_loan_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by loan_id__typed, dt
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
        on repeated_keys.repeated_loan_id = ruled.loan_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_loan_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.loan_id, ruled.loan_type, ruled.loan_name, ruled.interest_rate, ruled.term_months, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.loan_id, ruled.loan_type, ruled.loan_name, ruled.interest_rate, ruled.term_months, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_loan_id = ruled.loan_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'loan_id: null or empty' then 'loan_id: null or empty'
            when 'loan_type: null or empty' then 'loan_type: null or empty'
            when 'loan_name: null or empty' then 'loan_name: null or empty'
            when 'interest_rate: null or empty' then 'interest_rate: null or empty'
            when 'term_months: null or empty' then 'term_months: null or empty'
            when 'loan_id: not an integer' then 'loan_id: not an integer' || ' ''' || loan_id || ''''
            when 'interest_rate: not a decimal' then 'interest_rate: not a decimal' || ' ''' || interest_rate || ''''
            when 'term_months: not an integer' then 'term_months: not an integer' || ' ''' || term_months || ''''
            when 'loan_type: longer than 255 characters' then 'loan_type: longer than 255 characters (' || cast(length(loan_type) as varchar) || ')'
            when 'loan_name: longer than 255 characters' then 'loan_name: longer than 255 characters (' || cast(length(loan_name) as varchar) || ')'
            when 'loan_type: not an allowed value' then 'loan_type: not an allowed value' || ' ''' || loan_type || ''''
            when 'interest_rate: negative' then 'interest_rate: negative ' || trim(interest_rate)
            when 'term_months: negative' then 'term_months: negative ' || trim(term_months)
            when 'term_months: zero' then 'term_months: zero ' || trim(term_months)
            when 'conflicting copies of the key' then 'loan_id ' || trim(loan_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'loan_id ' || trim(loan_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        loan_id__typed as loan_id,
        loan_type__typed as loan_type,
        loan_name__typed as loan_name,
        interest_rate__typed as interest_rate,
        term_months__typed as term_months,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then loan_id end as loan_id__as_sent,
        case when quarantine_rule is not null then loan_type end as loan_type__as_sent,
        case when quarantine_rule is not null then loan_name end as loan_name__as_sent,
        case when quarantine_rule is not null then interest_rate end as interest_rate__as_sent,
        case when quarantine_rule is not null then term_months end as term_months__as_sent
    from explained

)

select * from final
