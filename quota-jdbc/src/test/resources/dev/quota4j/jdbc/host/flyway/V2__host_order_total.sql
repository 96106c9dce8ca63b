ALTER TABLE ${host_prefix}orders ADD COLUMN total BIGINT;
