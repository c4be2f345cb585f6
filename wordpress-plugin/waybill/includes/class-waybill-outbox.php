<?php
/**
 * The outbox: one row per event and endpoint, claimed atomically by workers.
 *
 * Locking rule that keeps MariaDB free of deadlocks with several workers: every
 * statement that changes rows names them by primary key in ascending order
 * (`WHERE id IN (…)`), after a plain non-locking read picked the candidates.
 * Row locks are then always taken in one global order, so workers may wait for
 * each other but never form a cycle. Workers also run in READ COMMITTED, which
 * takes no gap locks, so captures inserting new rows never wait for a claim.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Outbox rows and their state changes.
 */
final class Waybill_Outbox {

	/** Waiting for its first or next attempt (shown as "retrying" once attempted). */
	const PENDING = 'pending';
	/** Claimed by a worker that is sending it now. */
	const SENDING = 'sending';
	/** A 2xx answer was received. */
	const DELIVERED = 'delivered';
	/** Final failure: a non-retryable answer or the retry schedule ran out. */
	const DEAD = 'dead';
	/** No endpoint accepts its type yet; routed as soon as one does. */
	const HELD = 'held';

	/** Statuses an admin may filter by. */
	const STATUSES = array( 'pending', 'retrying', 'sending', 'delivered', 'dead', 'held' );

	/** How many times a statement that lost a deadlock is retried. */
	const DEADLOCK_RETRIES = 3;

	/** Candidates read per claim, as a multiple of the batch, spread among workers. */
	const CLAIM_WINDOW = 4;

	/**
	 * Inserts one row per endpoint in a single statement; a repeat is a no-op.
	 *
	 * @param array    $prepared     Result of Waybill_Core::prepare().
	 * @param string[] $endpoint_ids Endpoints to deliver to (empty: held).
	 * @param array    $meta         `input` (raw captured JSON), `entity_type`, `entity_id`.
	 * @return int|WP_Error Rows inserted (0 for a duplicate).
	 */
	public static function insert( array $prepared, array $endpoint_ids, array $meta ) {
		global $wpdb;
		$table  = Waybill_Schema::table( 'events' );
		$now    = gmdate( 'Y-m-d H:i:s' );
		$status = empty( $endpoint_ids ) ? self::HELD : self::PENDING;
		$error  = empty( $endpoint_ids ) ? 'endpoint.none' : '';
		if ( empty( $endpoint_ids ) ) {
			$endpoint_ids = array( '' );
		}

		$rows   = array();
		$values = array();
		foreach ( $endpoint_ids as $endpoint_id ) {
			$rows[] = '(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)';
			array_push(
				$values,
				(string) $prepared['idempotency_key'],
				(string) $endpoint_id,
				(string) $prepared['event_type'],
				(string) $prepared['version'],
				$status,
				(string) $meta['entity_type'],
				(string) $meta['entity_id'],
				(string) $meta['input'],
				(string) $prepared['body'],
				$now,
				$now,
				$now,
				$error
			);
		}

		$sql = "INSERT INTO {$table} (idempotency_key, endpoint_id, event_type, contract_version, status, entity_type, entity_id, input, body, created_at, updated_at, next_attempt_at, last_error_code) VALUES "
			. implode( ',', $rows ) . ' ON DUPLICATE KEY UPDATE id = id';
		$result = $wpdb->query( $wpdb->prepare( $sql, $values ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- placeholders built above.
		if ( false === $result ) {
			return new WP_Error( 'waybill_outbox_insert', __( 'The event could not be stored.', 'waybill' ), array( 'status' => 500 ) );
		}
		return (int) $result;
	}

	/**
	 * Claims up to $limit due rows for one worker.
	 *
	 * @param int      $limit        Batch size.
	 * @param string   $token        This claim's token (32 hex characters).
	 * @param string[] $endpoint_ids Endpoints that may be delivered to.
	 * @return object[] Claimed rows.
	 */
	public static function claim( $limit, $token, array $endpoint_ids ) {
		global $wpdb;
		if ( empty( $endpoint_ids ) || $limit < 1 ) {
			return array();
		}
		$table = Waybill_Schema::table( 'events' );
		$now   = gmdate( 'Y-m-d H:i:s' );
		$in    = implode( ',', array_fill( 0, count( $endpoint_ids ), '%s' ) );

		for ( $round = 0; $round < 3; $round++ ) {
			$candidates = $wpdb->get_col(
				$wpdb->prepare(
					"SELECT id FROM {$table} WHERE status = %s AND next_attempt_at <= %s AND endpoint_id IN ({$in}) ORDER BY next_attempt_at, id LIMIT %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
					array_merge( array( self::PENDING, $now ), $endpoint_ids, array( $limit * self::CLAIM_WINDOW ) )
				)
			);
			if ( empty( $candidates ) ) {
				return array();
			}

			// Workers reading the same window try different rows first.
			shuffle( $candidates );
			$ids     = self::sorted_ids( array_slice( $candidates, 0, $limit ) );
			$claimed = self::write(
				"UPDATE {$table} SET status = %s, claim_token = %s, claimed_at = %s, updated_at = %s WHERE id IN (" . implode( ',', $ids ) . ') AND status = %s AND next_attempt_at <= %s',
				array( self::SENDING, $token, $now, $now, self::PENDING, $now )
			);
			if ( $claimed > 0 ) {
				return $wpdb->get_results(
					$wpdb->prepare( "SELECT * FROM {$table} WHERE claim_token = %s AND status = %s ORDER BY id", $token, self::SENDING ) // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				);
			}
		}
		return array();
	}

	/**
	 * Claims the given rows, if they are pending (used to send a test event now).
	 *
	 * @param int[]  $ids   Row ids.
	 * @param string $token Claim token.
	 * @return object[] Claimed rows.
	 */
	public static function claim_ids( array $ids, $token ) {
		global $wpdb;
		$ids = self::sorted_ids( $ids );
		if ( empty( $ids ) ) {
			return array();
		}
		$table = Waybill_Schema::table( 'events' );
		$now   = gmdate( 'Y-m-d H:i:s' );
		self::write(
			"UPDATE {$table} SET status = %s, claim_token = %s, claimed_at = %s, updated_at = %s WHERE id IN (" . implode( ',', $ids ) . ') AND status = %s',
			array( self::SENDING, $token, $now, $now, self::PENDING )
		);
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE claim_token = %s AND status = %s ORDER BY id", $token, self::SENDING ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Records the outcome of a batch: attempts in one insert, state changes by key.
	 *
	 * @param string $token    The claim token the rows were claimed with.
	 * @param array  $outcomes Row id => outcome from Waybill_Worker.
	 */
	public static function finish( $token, array $outcomes ) {
		global $wpdb;
		if ( empty( $outcomes ) ) {
			return;
		}
		$events   = Waybill_Schema::table( 'events' );
		$attempts = Waybill_Schema::table( 'attempts' );
		$now      = gmdate( 'Y-m-d H:i:s' );

		$rows   = array();
		$values = array();
		foreach ( $outcomes as $id => $outcome ) {
			if ( empty( $outcome['attempt'] ) ) {
				continue;
			}
			$attempt = $outcome['attempt'];
			$rows[]  = '(%d,%d,%s,%s,%d,%d,%s,%s)';
			array_push( $values, $id, $attempt['number'], $attempt['endpoint_id'], $attempt['started_at'], $attempt['duration_ms'], $attempt['http_status'], $attempt['error_code'], $attempt['excerpt'] );
		}
		if ( $rows ) {
			self::write( "INSERT INTO {$attempts} (event_id, attempt_no, endpoint_id, started_at, duration_ms, http_status, error_code, response_excerpt) VALUES " . implode( ',', $rows ), $values );
		}

		// The common case, success, is one statement per HTTP status.
		$delivered = array();
		foreach ( $outcomes as $id => $outcome ) {
			if ( self::DELIVERED === $outcome['status'] ) {
				$delivered[ (int) $outcome['http_status'] ][] = $id;
			}
		}
		foreach ( $delivered as $http_status => $ids ) {
			self::write(
				"UPDATE {$events} SET status = %s, delivered_at = %s, updated_at = %s, attempts = attempts + 1, last_error_code = '', last_http_status = %d, claim_token = NULL, claimed_at = NULL WHERE id IN (" . implode( ',', self::sorted_ids( $ids ) ) . ') AND claim_token = %s',
				array( self::DELIVERED, $now, $now, $http_status, $token )
			);
		}

		foreach ( self::sorted_ids( array_keys( $outcomes ) ) as $id ) {
			$outcome = $outcomes[ $id ];
			if ( self::DELIVERED === $outcome['status'] ) {
				continue;
			}
			$counted = empty( $outcome['attempt'] ) ? 0 : 1;
			self::write(
				"UPDATE {$events} SET status = %s, next_attempt_at = %s, retry_index = %d, attempts = attempts + %d, last_error_code = %s, last_http_status = %d, updated_at = %s, claim_token = NULL, claimed_at = NULL WHERE id = %d AND claim_token = %s",
				array( $outcome['status'], $outcome['next_attempt_at'], $outcome['retry_index'], $counted, $outcome['error_code'], (int) $outcome['http_status'], $now, $id, $token )
			);
		}
	}

	/**
	 * Returns rows left in `sending` by a worker that died to the queue.
	 *
	 * @param int $ttl Seconds after which a claim is considered abandoned.
	 * @return int Rows recovered.
	 */
	public static function recover_stale( $ttl ) {
		global $wpdb;
		$table  = Waybill_Schema::table( 'events' );
		$cutoff = gmdate( 'Y-m-d H:i:s', time() - max( 1, (int) $ttl ) );
		$ids    = $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$table} WHERE status = %s AND claimed_at < %s LIMIT 1000", self::SENDING, $cutoff ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		if ( empty( $ids ) ) {
			return 0;
		}
		$now = gmdate( 'Y-m-d H:i:s' );
		return self::write(
			"UPDATE {$table} SET status = %s, claim_token = NULL, claimed_at = NULL, next_attempt_at = %s, updated_at = %s, last_error_code = %s WHERE id IN (" . implode( ',', self::sorted_ids( $ids ) ) . ') AND status = %s AND claimed_at < %s',
			array( self::PENDING, $now, $now, 'worker.claim_expired', self::SENDING, $cutoff )
		);
	}

	/**
	 * Puts dead, pending or delivered rows back in the queue, due now.
	 *
	 * @param int[] $ids Row ids.
	 * @return int Rows queued.
	 */
	public static function replay( array $ids ) {
		$ids = self::sorted_ids( $ids );
		if ( empty( $ids ) ) {
			return 0;
		}
		$table = Waybill_Schema::table( 'events' );
		$now   = gmdate( 'Y-m-d H:i:s' );
		return self::write(
			"UPDATE {$table} SET status = %s, next_attempt_at = %s, retry_index = 0, updated_at = %s, last_error_code = '', claim_token = NULL, claimed_at = NULL WHERE id IN (" . implode( ',', $ids ) . ') AND status IN (%s, %s, %s)',
			array( self::PENDING, $now, $now, self::DEAD, self::PENDING, self::DELIVERED )
		);
	}

	/**
	 * Gives held rows (no endpoint at capture time) to endpoints that accept them now.
	 *
	 * @return int Rows routed.
	 */
	public static function route_held() {
		global $wpdb;
		$table = Waybill_Schema::table( 'events' );
		$held  = $wpdb->get_results( $wpdb->prepare( "SELECT id, event_type FROM {$table} WHERE status = %s ORDER BY id LIMIT 200", self::HELD ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$routed = 0;
		foreach ( $held as $row ) {
			$endpoints = array_keys( Waybill_Endpoints::matching( $row->event_type ) );
			if ( empty( $endpoints ) ) {
				continue;
			}
			$copied = true;
			foreach ( $endpoints as $endpoint_id ) {
				$now     = gmdate( 'Y-m-d H:i:s' );
				$result  = $wpdb->query(
					$wpdb->prepare(
						"INSERT INTO {$table} (idempotency_key, endpoint_id, event_type, contract_version, status, entity_type, entity_id, input, body, created_at, updated_at, next_attempt_at, last_error_code) SELECT src.idempotency_key, %s, src.event_type, src.contract_version, %s, src.entity_type, src.entity_id, src.input, src.body, src.created_at, %s, %s, '' FROM {$table} AS src WHERE src.id = %d ON DUPLICATE KEY UPDATE {$table}.updated_at = {$table}.updated_at", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
						$endpoint_id,
						self::PENDING,
						$now,
						$now,
						$row->id
					)
				);
				$copied = $copied && false !== $result;
			}
			// The held row goes only once every copy exists.
			if ( ! $copied ) {
				continue;
			}
			$wpdb->delete( $table, array( 'id' => $row->id ), array( '%d' ) );
			++$routed;
		}
		return $routed;
	}

	/**
	 * One row by id.
	 *
	 * @param int $id Row id.
	 * @return object|null
	 */
	public static function get( $id ) {
		global $wpdb;
		$table = Waybill_Schema::table( 'events' );
		return $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Rows sharing an idempotency key (one per endpoint).
	 *
	 * @param string $key Idempotency key.
	 * @return object[]
	 */
	public static function by_key( $key ) {
		global $wpdb;
		$table = Waybill_Schema::table( 'events' );
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE idempotency_key = %s ORDER BY id", $key ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * The attempts of one row, oldest first.
	 *
	 * @param int $event_id Row id.
	 * @return object[]
	 */
	public static function attempts( $event_id ) {
		global $wpdb;
		$table = Waybill_Schema::table( 'attempts' );
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE event_id = %d ORDER BY attempt_no, id", $event_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Row counts per status, with "retrying" split out of pending.
	 *
	 * @return int[]
	 */
	public static function counts() {
		global $wpdb;
		$table  = Waybill_Schema::table( 'events' );
		$counts = array_fill_keys( self::STATUSES, 0 );
		$rows   = $wpdb->get_results( "SELECT status, attempts > 0 AS tried, COUNT(*) AS n FROM {$table} GROUP BY status, attempts > 0" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		foreach ( (array) $rows as $row ) {
			$status = ( self::PENDING === $row->status && (int) $row->tried ) ? 'retrying' : $row->status;
			if ( isset( $counts[ $status ] ) ) {
				$counts[ $status ] += (int) $row->n;
			}
		}
		return $counts;
	}

	/**
	 * Runs a prepared write, retrying when MariaDB picked it as a deadlock victim.
	 *
	 * @param string $sql    SQL with placeholders.
	 * @param array  $values Values.
	 * @return int Rows affected (0 on failure).
	 */
	private static function write( $sql, array $values ) {
		global $wpdb;
		$query = $wpdb->prepare( $sql, $values ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- built from constants and placeholders.
		for ( $try = 0; $try <= self::DEADLOCK_RETRIES; $try++ ) {
			$result = $wpdb->query( $query ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
			if ( false !== $result ) {
				return (int) $result;
			}
			if ( false === stripos( (string) $wpdb->last_error, 'deadlock' ) && false === stripos( (string) $wpdb->last_error, 'lock wait timeout' ) ) {
				break;
			}
			do_action( 'waybill_deadlock_retry', $try );
			usleep( wp_rand( 2000, 20000 ) );
		}
		return 0;
	}

	/**
	 * Integer ids, unique, ascending: the one lock order every statement follows.
	 *
	 * @param array $ids Ids.
	 * @return int[]
	 */
	private static function sorted_ids( array $ids ) {
		$ids = array_unique( array_map( 'intval', $ids ) );
		sort( $ids );
		return array_values( array_filter( $ids ) );
	}
}
