{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_transaction_type: every bronze row of dim_transaction_types in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_transaction_type keeps the good rows,
-- quarantine_dim_transaction_type the others.

with

arrived as (

    select
        transaction_type_id,
        transaction_type_name,
        direction,
        dt
    from {{ source('bronze', 'dim_transaction_types') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(transaction_type_id), '')", 'integer') }} as transaction_type_id__typed,
        nullif(transaction_type_name, '') as transaction_type_name__typed,
        nullif(direction, '') as direction__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(transaction_type_id), '') is null
                then 'transaction_type_id: null or empty'
            when nullif(trim(transaction_type_name), '') is null
                then 'transaction_type_name: null or empty'
            when nullif(trim(direction), '') is null
                then 'direction: null or empty'
            when nullif(trim(transaction_type_id), '') is not null and transaction_type_id__typed is null
                then 'transaction_type_id: not an integer'
            when length(transaction_type_name) > 255
                then 'transaction_type_name: longer than 255 characters'
            when length(direction) > 255
                then 'direction: longer than 255 characters'
            when transaction_type_name__typed is not null and transaction_type_name__typed not in ('Deposit', 'Withdrawal', 'Transfer In', 'Transfer Out', 'Payment')
                then 'transaction_type_name: not an allowed value'
            when direction__typed is not null and direction__typed not in ('credit', 'debit')
                then 'direction: not an allowed value'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        transaction_type_id__typed as repeated_transaction_type_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by transaction_type_id__typed, dt
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
        on repeated_keys.repeated_transaction_type_id = ruled.transaction_type_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_transaction_type_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.transaction_type_id, ruled.transaction_type_name, ruled.direction, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.transaction_type_id, ruled.transaction_type_name, ruled.direction, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_transaction_type_id = ruled.transaction_type_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'transaction_type_id: null or empty' then 'transaction_type_id: null or empty'
            when 'transaction_type_name: null or empty' then 'transaction_type_name: null or empty'
            when 'direction: null or empty' then 'direction: null or empty'
            when 'transaction_type_id: not an integer' then 'transaction_type_id: not an integer' || ' ''' || transaction_type_id || ''''
            when 'transaction_type_name: longer than 255 characters' then 'transaction_type_name: longer than 255 characters (' || cast(length(transaction_type_name) as varchar) || ')'
            when 'direction: longer than 255 characters' then 'direction: longer than 255 characters (' || cast(length(direction) as varchar) || ')'
            when 'transaction_type_name: not an allowed value' then 'transaction_type_name: not an allowed value' || ' ''' || transaction_type_name || ''''
            when 'direction: not an allowed value' then 'direction: not an allowed value' || ' ''' || direction || ''''
            when 'conflicting copies of the key' then 'transaction_type_id ' || trim(transaction_type_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'transaction_type_id ' || trim(transaction_type_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        transaction_type_id__typed as transaction_type_id,
        transaction_type_name__typed as transaction_type_name,
        direction__typed as direction,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then transaction_type_id end as transaction_type_id__as_sent,
        case when quarantine_rule is not null then transaction_type_name end as transaction_type_name__as_sent,
        case when quarantine_rule is not null then direction end as direction__as_sent
    from explained

)

select * from final
