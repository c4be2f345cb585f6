<?php
/**
 * Database tables: created and upgraded with dbDelta, tracked by a schema version.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Owns the plugin's table names and their schema.
 */
final class Waybill_Schema {

	/** Bump when a table changes; add a step to upgrade_steps() when data must move. */
	const DB_VERSION = 2;
	const OPTION     = 'waybill_db_version';

	/**
	 * Full table name for one of: events, attempts, leads, inbound.
	 *
	 * @param string $name Short name.
	 * @return string
	 */
	public static function table( $name ) {
		global $wpdb;
		return $wpdb->prefix . 'waybill_' . $name;
	}

	/**
	 * Activation: create tables and schedule the worker.
	 */
	public static function activate() {
		// From the installed version, so that a reactivation does not repeat data steps.
		self::install( (int) get_option( self::OPTION, 0 ) );
		Waybill_Triggers::schedule();
	}

	/**
	 * Creates or upgrades tables when the stored version is older than the code's.
	 */
	public static function maybe_upgrade() {
		$installed = (int) get_option( self::OPTION, 0 );
		if ( $installed >= self::DB_VERSION ) {
			return;
		}
		self::install( $installed );
	}

	/**
	 * Runs dbDelta for every table, then any data steps newer than $from.
	 *
	 * @param int $from Installed schema version (0 for a new site).
	 */
	public static function install( $from = 0 ) {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';

		dbDelta( self::tables_sql( $wpdb->get_charset_collate() ) );
		foreach ( self::upgrade_steps() as $version => $step ) {
			if ( $version > $from ) {
				call_user_func( $step );
			}
		}
		update_option( self::OPTION, self::DB_VERSION, true );
	}

	/**
	 * Data migrations keyed by the schema version that introduced them.
	 *
	 * @return callable[]
	 */
	private static function upgrade_steps() {
		// Version 1 is the first schema; later versions add `version => callable` here.
		return array(
			2 => array( __CLASS__, 'hash_inbound_ids' ),
		);
	}

	/**
	 * Version 2: `inbound.webhook_id` holds the SHA-256 of the webhook-id
	 * (see Waybill_Writeback::dedup_key()), not the raw id. Rows stored raw by
	 * version 1 are converted so that a retry of an applied id stays a duplicate
	 * (rows that already hold a key are left alone, so the step can run twice);
	 * a claim left in `processing` becomes retryable once it is stale.
	 */
	public static function hash_inbound_ids() {
		global $wpdb;
		$table = self::table( 'inbound' );
		$wpdb->query( "UPDATE {$table} SET webhook_id = SHA2(webhook_id, 256) WHERE CHAR_LENGTH(webhook_id) <> 64 OR CAST(webhook_id AS BINARY) REGEXP '[^0-9a-f]'" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * CREATE TABLE statements in dbDelta's format.
	 *
	 * @param string $collate Charset and collation clause.
	 * @return string[]
	 */
	private static function tables_sql( $collate ) {
		$events   = self::table( 'events' );
		$attempts = self::table( 'attempts' );
		$leads    = self::table( 'leads' );
		$inbound  = self::table( 'inbound' );

		// inbound.webhook_id holds Waybill_Writeback::dedup_key() (SHA-256 hex of
		// the webhook-id), never the raw id, so it is never truncated.

		return array(
			"CREATE TABLE {$events} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  idempotency_key varchar(64) NOT NULL,
  endpoint_id varchar(64) NOT NULL DEFAULT '',
  event_type varchar(100) NOT NULL,
  contract_version varchar(20) NOT NULL DEFAULT '',
  status varchar(20) NOT NULL DEFAULT 'pending',
  entity_type varchar(64) NOT NULL DEFAULT '',
  entity_id varchar(191) NOT NULL DEFAULT '',
  input longtext NULL,
  body longtext NOT NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  next_attempt_at datetime NOT NULL,
  attempts int(10) unsigned NOT NULL DEFAULT 0,
  retry_index int(10) unsigned NOT NULL DEFAULT 0,
  last_error_code varchar(100) NOT NULL DEFAULT '',
  last_http_status smallint(5) unsigned NOT NULL DEFAULT 0,
  claim_token char(32) NULL,
  claimed_at datetime NULL,
  delivered_at datetime NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY key_endpoint (idempotency_key,endpoint_id),
  KEY due (status,next_attempt_at),
  KEY claim_token (claim_token),
  KEY event_type (event_type),
  KEY entity (entity_type,entity_id),
  KEY created_at (created_at)
) {$collate};",
			"CREATE TABLE {$attempts} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  event_id bigint(20) unsigned NOT NULL,
  attempt_no int(10) unsigned NOT NULL,
  endpoint_id varchar(64) NOT NULL DEFAULT '',
  started_at datetime NOT NULL,
  duration_ms int(10) unsigned NOT NULL DEFAULT 0,
  http_status smallint(5) unsigned NOT NULL DEFAULT 0,
  error_code varchar(100) NOT NULL DEFAULT '',
  response_excerpt varchar(255) NOT NULL DEFAULT '',
  PRIMARY KEY  (id),
  KEY event_id (event_id,attempt_no),
  KEY started_at (started_at)
) {$collate};",
			"CREATE TABLE {$leads} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  idempotency_key varchar(64) NOT NULL,
  name varchar(255) NOT NULL DEFAULT '',
  email varchar(255) NOT NULL DEFAULT '',
  company varchar(255) NOT NULL DEFAULT '',
  phone varchar(64) NOT NULL DEFAULT '',
  message text NULL,
  consent tinyint(1) NOT NULL DEFAULT 0,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  created_at datetime NOT NULL,
  classification longtext NULL,
  classified_at datetime NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY idempotency_key (idempotency_key),
  KEY email (email(191)),
  KEY created_at (created_at)
) {$collate};",
			"CREATE TABLE {$inbound} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  webhook_id varchar(191) NOT NULL,
  event_type varchar(100) NOT NULL DEFAULT '',
  status varchar(20) NOT NULL DEFAULT 'processing',
  result varchar(255) NOT NULL DEFAULT '',
  received_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY webhook_id (webhook_id),
  KEY received_at (received_at)
) {$collate};",
		);
	}

	/**
	 * Drops every table and option (uninstall with the admin's opt-in only).
	 */
	public static function drop_all() {
		global $wpdb;
		foreach ( array( 'events', 'attempts', 'leads', 'inbound' ) as $name ) {
			$table = self::table( $name );
			$wpdb->query( "DROP TABLE IF EXISTS {$table}" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.DirectDatabaseQuery.SchemaChange -- table name only.
		}
		$options = $wpdb->get_col(
			$wpdb->prepare(
				"SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
				$wpdb->esc_like( 'waybill_' ) . '%',
				$wpdb->esc_like( '_transient_waybill_' ) . '%'
			)
		);
		foreach ( $options as $option ) {
			delete_option( $option );
		}
		delete_post_meta_by_key( '_waybill_sources' );
		delete_post_meta_by_key( '_waybill_provenance' );
	}
}
