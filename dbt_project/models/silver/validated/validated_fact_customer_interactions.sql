{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_fact_customer_interactions: every bronze row of fact_customer_interactions in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_fact_customer_interactions keeps the good rows,
-- quarantine_fact_customer_interactions the others.

with

arrived as (

    select
        interaction_id,
        customer_id,
        channel_id,
        date_id,
        interaction_timestamp,
        interaction_type,
        resolution_status,
        satisfaction_score,
        dt
    from {{ source('bronze', 'fact_customer_interactions') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(interaction_id), '')", 'bigint') }} as interaction_id__typed,
        {{ safe_cast_text("nullif(trim(customer_id), '')", 'bigint') }} as customer_id__typed,
        {{ safe_cast_text("nullif(trim(channel_id), '')", 'integer') }} as channel_id__typed,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(interaction_timestamp), '')", 'timestamp') }} as interaction_timestamp__typed,
        nullif(interaction_type, '') as interaction_type__typed,
        nullif(resolution_status, '') as resolution_status__typed,
        {{ safe_cast_text("nullif(trim(satisfaction_score), '')", 'integer') }} as satisfaction_score__typed
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
        channel_id_in_extract.parent_reason as channel_id__parent_reason,
        date_id_in_extract.parent_reason as date_id__parent_reason,
        case
            when nullif(trim(interaction_id), '') is null
                then 'interaction_id: null or empty'
            when nullif(trim(customer_id), '') is null
                then 'customer_id: null or empty'
            when nullif(trim(channel_id), '') is null
                then 'channel_id: null or empty'
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(interaction_timestamp), '') is null
                then 'interaction_timestamp: null or empty'
            when nullif(trim(interaction_type), '') is null
                then 'interaction_type: null or empty'
            when nullif(trim(resolution_status), '') is null
                then 'resolution_status: null or empty'
            when nullif(trim(interaction_id), '') is not null and interaction_id__typed is null
                then 'interaction_id: not an integer'
            when nullif(trim(customer_id), '') is not null and customer_id__typed is null
                then 'customer_id: not an integer'
            when nullif(trim(channel_id), '') is not null and channel_id__typed is null
                then 'channel_id: not an integer'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(interaction_timestamp), '') is not null and interaction_timestamp__typed is null
                then 'interaction_timestamp: not a timestamp'
            when nullif(trim(satisfaction_score), '') is not null and satisfaction_score__typed is null
                then 'satisfaction_score: not an integer'
            when length(interaction_type) > 255
                then 'interaction_type: longer than 255 characters'
            when length(resolution_status) > 255
                then 'resolution_status: longer than 255 characters'
            when interaction_type__typed is not null and interaction_type__typed not in ('Inquiry', 'Complaint', 'Support', 'Feedback')
                then 'interaction_type: not an allowed value'
            when resolution_status__typed is not null and resolution_status__typed not in ('Resolved', 'Pending', 'Escalated')
                then 'resolution_status: not an allowed value'
            when satisfaction_score__typed is not null and cast(satisfaction_score__typed as varchar) not in ('1', '2', '3', '4', '5')
                then 'satisfaction_score: not an allowed value'
            when date_id__typed <> cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)
                then 'date_id: not the partition day'
            when cast(interaction_timestamp__typed as date) <> dt
                then 'interaction_timestamp: not on the partition day'
            when coalesce(customer_id_in_extract.is_known, 0) = 0 and customer_id_in_extract.parent_reason is not null
                then 'customer_id: customer quarantined'
            when coalesce(customer_id_in_extract.is_known, 0) = 0
                then 'customer_id: unknown customer'
            when coalesce(channel_id_in_extract.is_known, 0) = 0 and channel_id_in_extract.parent_reason is not null
                then 'channel_id: channel quarantined'
            when coalesce(channel_id_in_extract.is_known, 0) = 0
                then 'channel_id: unknown channel'
            when coalesce(date_id_in_extract.is_known, 0) = 0 and date_id_in_extract.parent_reason is not null
                then 'date_id: date quarantined'
            when coalesce(date_id_in_extract.is_known, 0) = 0
                then 'date_id: unknown date'
        end as row_rule
    from typed
    left join customer_id_in_extract
        on customer_id_in_extract.parent_key = typed.customer_id__typed
        and customer_id_in_extract.extract_day = typed.dt
    left join channel_id_in_extract
        on channel_id_in_extract.parent_key = typed.channel_id__typed
        and channel_id_in_extract.extract_day = typed.dt
    left join date_id_in_extract
        on date_id_in_extract.parent_key = typed.date_id__typed
        and date_id_in_extract.extract_day = typed.dt

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        interaction_id__typed as repeated_interaction_id,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by interaction_id__typed
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
        on repeated_keys.repeated_interaction_id = ruled.interaction_id__typed
    where ruled.row_rule is not null or repeated_keys.repeated_interaction_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.interaction_id, ruled.customer_id, ruled.channel_id, ruled.date_id, ruled.interaction_timestamp, ruled.interaction_type, ruled.resolution_status, ruled.satisfaction_score, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.interaction_id, ruled.customer_id, ruled.channel_id, ruled.date_id, ruled.interaction_timestamp, ruled.interaction_type, ruled.resolution_status, ruled.satisfaction_score, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_interaction_id = ruled.interaction_id__typed
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'interaction_id: null or empty' then 'interaction_id: null or empty'
            when 'customer_id: null or empty' then 'customer_id: null or empty'
            when 'channel_id: null or empty' then 'channel_id: null or empty'
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'interaction_timestamp: null or empty' then 'interaction_timestamp: null or empty'
            when 'interaction_type: null or empty' then 'interaction_type: null or empty'
            when 'resolution_status: null or empty' then 'resolution_status: null or empty'
            when 'interaction_id: not an integer' then 'interaction_id: not an integer' || ' ''' || interaction_id || ''''
            when 'customer_id: not an integer' then 'customer_id: not an integer' || ' ''' || customer_id || ''''
            when 'channel_id: not an integer' then 'channel_id: not an integer' || ' ''' || channel_id || ''''
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'interaction_timestamp: not a timestamp' then 'interaction_timestamp: not a timestamp' || ' ''' || interaction_timestamp || ''''
            when 'satisfaction_score: not an integer' then 'satisfaction_score: not an integer' || ' ''' || satisfaction_score || ''''
            when 'interaction_type: longer than 255 characters' then 'interaction_type: longer than 255 characters (' || cast(length(interaction_type) as varchar) || ')'
            when 'resolution_status: longer than 255 characters' then 'resolution_status: longer than 255 characters (' || cast(length(resolution_status) as varchar) || ')'
            when 'interaction_type: not an allowed value' then 'interaction_type: not an allowed value' || ' ''' || interaction_type || ''''
            when 'resolution_status: not an allowed value' then 'resolution_status: not an allowed value' || ' ''' || resolution_status || ''''
            when 'satisfaction_score: not an allowed value' then 'satisfaction_score: not an allowed value' || ' ''' || satisfaction_score || ''''
            when 'date_id: not the partition day' then 'date_id: ' || trim(date_id) || ' is not the partition day ' || cast(dt as varchar)
            when 'interaction_timestamp: not on the partition day' then 'interaction_timestamp: ' || trim(interaction_timestamp) || ' is not on the partition day ' || cast(dt as varchar)
            when 'customer_id: customer quarantined' then 'customer_id: customer ' || trim(customer_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || customer_id__parent_reason || ')'
            when 'customer_id: unknown customer' then 'customer_id: unknown customer ' || trim(customer_id) || ' on ' || cast(dt as varchar)
            when 'channel_id: channel quarantined' then 'channel_id: channel ' || trim(channel_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || channel_id__parent_reason || ')'
            when 'channel_id: unknown channel' then 'channel_id: unknown channel ' || trim(channel_id) || ' on ' || cast(dt as varchar)
            when 'date_id: date quarantined' then 'date_id: date ' || trim(date_id) || ' on ' || cast(dt as varchar) || ' is quarantined (' || date_id__parent_reason || ')'
            when 'date_id: unknown date' then 'date_id: unknown date ' || trim(date_id) || ' on ' || cast(dt as varchar)
            when 'conflicting copies of the key' then 'interaction_id ' || trim(interaction_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'interaction_id ' || trim(interaction_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        interaction_id__typed as interaction_id,
        customer_id__typed as customer_id,
        channel_id__typed as channel_id,
        date_id__typed as date_id,
        interaction_timestamp__typed as interaction_timestamp,
        interaction_type__typed as interaction_type,
        resolution_status__typed as resolution_status,
        satisfaction_score__typed as satisfaction_score,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then interaction_id end as interaction_id__as_sent,
        case when quarantine_rule is not null then customer_id end as customer_id__as_sent,
        case when quarantine_rule is not null then channel_id end as channel_id__as_sent,
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then interaction_timestamp end as interaction_timestamp__as_sent,
        case when quarantine_rule is not null then interaction_type end as interaction_type__as_sent,
        case when quarantine_rule is not null then resolution_status end as resolution_status__as_sent,
        case when quarantine_rule is not null then satisfaction_score end as satisfaction_score__as_sent
    from explained

)

select * from final
