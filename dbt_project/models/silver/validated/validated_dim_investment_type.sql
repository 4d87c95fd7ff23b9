{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_investment_type: every bronze row of dim_investment_types in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_investment_type keeps the good rows,
-- quarantine_dim_investment_type the others.

with

arrived as (

    select
        investment_type_id,
        investment_type_name,
        risk_level,
        dt
    from {{ source('bronze', 'dim_investment_types') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(investment_type_id), '')", 'integer') }} as investment_type_id__typed,
        nullif(investment_type_name, '') as investment_type_name__typed,
        nullif(risk_level, '') as risk_level__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(investment_type_id), '') is null
                then 'investment_type_id: null or empty'
            when nullif(trim(investment_type_name), '') is null
                then 'investment_type_name: null or empty'
            when nullif(trim(risk_level), '') is null
                then 'risk_level: null or empty'
            when nullif(trim(investment_type_id), '') is not null and investment_type_id__typed is null
                then 'investment_type_id: not an integer'
            when length(investment_type_name) > 255
                then 'investment_type_name: longer than 255 characters'
            when length(risk_level) > 255
                then 'risk_level: longer than 255 characters'
            when investment_type_name__typed is not null and investment_type_name__typed not in ('Stocks', 'Bonds', 'Mutual Funds', 'ETFs', 'Real Estate')
                then 'investment_type_name: not an allowed value'
            when risk_level__typed is not null and risk_level__typed not in ('Low', 'Medium', 'High')
                then 'risk_level: not an allowed value'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        investment_type_id__typed as repeated_investment_type_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by investment_type_id__typed, dt
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
        on repeated_keys.repeated_investment_type_id = ruled.investment_type_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_investment_type_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.investment_type_id, ruled.investment_type_name, ruled.risk_level, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.investment_type_id, ruled.investment_type_name, ruled.risk_level, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_investment_type_id = ruled.investment_type_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'investment_type_id: null or empty' then 'investment_type_id: null or empty'
            when 'investment_type_name: null or empty' then 'investment_type_name: null or empty'
            when 'risk_level: null or empty' then 'risk_level: null or empty'
            when 'investment_type_id: not an integer' then 'investment_type_id: not an integer' || ' ''' || investment_type_id || ''''
            when 'investment_type_name: longer than 255 characters' then 'investment_type_name: longer than 255 characters (' || cast(length(investment_type_name) as varchar) || ')'
            when 'risk_level: longer than 255 characters' then 'risk_level: longer than 255 characters (' || cast(length(risk_level) as varchar) || ')'
            when 'investment_type_name: not an allowed value' then 'investment_type_name: not an allowed value' || ' ''' || investment_type_name || ''''
            when 'risk_level: not an allowed value' then 'risk_level: not an allowed value' || ' ''' || risk_level || ''''
            when 'conflicting copies of the key' then 'investment_type_id ' || trim(investment_type_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'investment_type_id ' || trim(investment_type_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        investment_type_id__typed as investment_type_id,
        investment_type_name__typed as investment_type_name,
        risk_level__typed as risk_level,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then investment_type_id end as investment_type_id__as_sent,
        case when quarantine_rule is not null then investment_type_name end as investment_type_name__as_sent,
        case when quarantine_rule is not null then risk_level end as risk_level__as_sent
    from explained

)

select * from final
