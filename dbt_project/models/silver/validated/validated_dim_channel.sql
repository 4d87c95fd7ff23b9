{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_channel: every bronze row of dim_channels in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_channel keeps the good rows,
-- quarantine_dim_channel the others.

with

arrived as (

    select
        channel_id,
        channel_name,
        is_digital,
        dt
    from {{ source('bronze', 'dim_channels') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(channel_id), '')", 'integer') }} as channel_id__typed,
        nullif(channel_name, '') as channel_name__typed,
        {{ safe_cast_text("nullif(trim(is_digital), '')", 'boolean') }} as is_digital__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(channel_id), '') is null
                then 'channel_id: null or empty'
            when nullif(trim(channel_name), '') is null
                then 'channel_name: null or empty'
            when nullif(trim(is_digital), '') is null
                then 'is_digital: null or empty'
            when nullif(trim(channel_id), '') is not null and channel_id__typed is null
                then 'channel_id: not an integer'
            when nullif(trim(is_digital), '') is not null and is_digital__typed is null
                then 'is_digital: not a boolean'
            when length(channel_name) > 255
                then 'channel_name: longer than 255 characters'
            when channel_name__typed is not null and channel_name__typed not in ('Online', 'Mobile', 'ATM', 'Branch', 'Phone')
                then 'channel_name: not an allowed value'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        channel_id__typed as repeated_channel_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by channel_id__typed, dt
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
        on repeated_keys.repeated_channel_id = ruled.channel_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_channel_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.channel_id, ruled.channel_name, ruled.is_digital, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.channel_id, ruled.channel_name, ruled.is_digital, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_channel_id = ruled.channel_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'channel_id: null or empty' then 'channel_id: null or empty'
            when 'channel_name: null or empty' then 'channel_name: null or empty'
            when 'is_digital: null or empty' then 'is_digital: null or empty'
            when 'channel_id: not an integer' then 'channel_id: not an integer' || ' ''' || channel_id || ''''
            when 'is_digital: not a boolean' then 'is_digital: not a boolean' || ' ''' || is_digital || ''''
            when 'channel_name: longer than 255 characters' then 'channel_name: longer than 255 characters (' || cast(length(channel_name) as varchar) || ')'
            when 'channel_name: not an allowed value' then 'channel_name: not an allowed value' || ' ''' || channel_name || ''''
            when 'conflicting copies of the key' then 'channel_id ' || trim(channel_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'channel_id ' || trim(channel_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        channel_id__typed as channel_id,
        channel_name__typed as channel_name,
        is_digital__typed as is_digital,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then channel_id end as channel_id__as_sent,
        case when quarantine_rule is not null then channel_name end as channel_name__as_sent,
        case when quarantine_rule is not null then is_digital end as is_digital__as_sent
    from explained

)

select * from final
