{{ config(materialized='table', dist='all') }}

-- Grain: one row per channel (channel_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_channel') }}

),

final as (

    select * from source

)

select * from final
