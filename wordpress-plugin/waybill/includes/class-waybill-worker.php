<?php
/**
 * The worker: claim due events, sign each attempt, send in parallel, record.
 *
 * Runs from WP-Cron, from a loopback request after a capture, from the CLI
 * runner (bin/waybill-worker.php) or from WP-CLI. Any number may run at once.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Delivers outbox rows.
 */
final class Waybill_Worker {

	const LAST_RUN_OPTION = 'waybill_worker_last_run';
	const RUNNERS_OPTION  = 'waybill_runners_seen';

	/** Seconds an event waits when it cannot be signed (no secret, endpoint gone from settings). */
	const BLOCKED_WAIT = 60;

	/**
	 * Runs until the queue has nothing due or the time limit is reached.
	 *
	 * @param array $args runner, time_limit, batch_size, concurrency, max_batches.
	 * @return array Counters: claimed, delivered, retrying, dead, blocked, recovered, routed, batches, duration_ms.
	 */
	public static function run( array $args = array() ) {
		$settings = Waybill_Settings::all();
		$args     = array_merge(
			array(
				'runner'      => 'unknown',
				'time_limit'  => (int) $settings['time_limit'],
				'batch_size'  => (int) $settings['batch_size'],
				'concurrency' => (int) $settings['concurrency'],
				'max_batches' => 0,
			),
			$args
		);
		$started = microtime( true );
		$stats   = array_fill_keys( array( 'claimed', 'delivered', 'retrying', 'dead', 'blocked', 'recovered', 'routed', 'batches' ), 0 );

		self::seen( $args['runner'] );
		if ( ! Waybill_Core::available() ) {
			$stats['error'] = Waybill_Core::MISSING_CODE;
			return self::finish_run( $stats, $started, $args['runner'] );
		}
		self::prepare_session();

		$stats['recovered'] = Waybill_Outbox::recover_stale( (int) $settings['claim_ttl'] );
		$stats['routed']    = Waybill_Outbox::route_held();

		while ( true ) {
			$token = bin2hex( random_bytes( 16 ) );
			$rows  = Waybill_Outbox::claim( max( 1, (int) $args['batch_size'] ), $token, Waybill_Endpoints::enabled_ids() );
			if ( empty( $rows ) ) {
				break;
			}
			self::add( $stats, self::deliver( $token, $rows, (int) $args['concurrency'] ) );
			++$stats['batches'];
			if ( $args['max_batches'] && $stats['batches'] >= $args['max_batches'] ) {
				break;
			}
			if ( microtime( true ) - $started >= (float) $args['time_limit'] ) {
				break;
			}
		}
		return self::finish_run( $stats, $started, $args['runner'] );
	}

	/**
	 * Sends specific pending rows now (the admin's "send test event").
	 *
	 * @param int[]  $ids    Row ids.
	 * @param string $runner Who asked.
	 * @return array Counters as in run().
	 */
	public static function run_ids( array $ids, $runner = 'admin' ) {
		$stats = array_fill_keys( array( 'claimed', 'delivered', 'retrying', 'dead', 'blocked' ), 0 );
		if ( ! Waybill_Core::available() ) {
			$stats['error'] = Waybill_Core::MISSING_CODE;
			return $stats;
		}
		self::seen( $runner );
		$token = bin2hex( random_bytes( 16 ) );
		$rows  = Waybill_Outbox::claim_ids( $ids, $token );
		if ( $rows ) {
			self::add( $stats, self::deliver( $token, $rows, (int) Waybill_Settings::get( 'concurrency' ) ) );
		}
		return $stats;
	}

	/**
	 * Delivers one claimed batch and records every outcome.
	 *
	 * @param string   $token       Claim token.
	 * @param object[] $rows        Claimed rows.
	 * @param int      $concurrency Requests in flight.
	 * @return array Counters.
	 */
	public static function deliver( $token, array $rows, $concurrency ) {
		$by_id     = array();
		$endpoints = Waybill_Endpoints::all();
		$keys      = array();
		foreach ( $rows as $row ) {
			$by_id[ (int) $row->id ] = $row;
		}

		$build = static function ( $id ) use ( $by_id, $endpoints, &$keys ) {
			$row = $by_id[ $id ];
			if ( ! isset( $endpoints[ $row->endpoint_id ] ) || ! $endpoints[ $row->endpoint_id ]['enabled'] ) {
				return array( 'error' => 'endpoint.unavailable' );
			}
			$endpoint = $endpoints[ $row->endpoint_id ];
			if ( ! isset( $keys[ $row->endpoint_id ] ) ) {
				$keys[ $row->endpoint_id ] = Waybill_Endpoints::secrets( $row->endpoint_id )['keys'];
			}
			if ( empty( $keys[ $row->endpoint_id ] ) ) {
				return array( 'error' => 'secret.none' );
			}

			// A fresh timestamp per attempt; the id stays the event's key.
			$timestamp = time();
			$signature = Waybill_Core::sign( $row->idempotency_key, $timestamp, $row->body, $keys[ $row->endpoint_id ] );
			if ( is_wp_error( $signature ) ) {
				return array( 'error' => $signature->get_error_code() );
			}
			if ( '' === $signature ) {
				return array( 'error' => 'secret.none' );
			}
			return array(
				'url'     => $endpoint['url'],
				'timeout' => $endpoint['timeout'],
				'body'    => $row->body,
				'headers' => array(
					'Content-Type'      => 'application/json',
					'webhook-id'        => $row->idempotency_key,
					'webhook-timestamp' => (string) $timestamp,
					'webhook-signature' => $signature,
				),
			);
		};

		$results  = Waybill_Http::send_many( array_keys( $by_id ), $build, max( 1, $concurrency ) );
		$outcomes = array();
		$stats    = array_fill_keys( array( 'claimed', 'delivered', 'retrying', 'dead', 'blocked' ), 0 );
		foreach ( $by_id as $id => $row ) {
			$outcome         = self::outcome( $row, $results[ $id ] );
			$outcomes[ $id ] = $outcome;
			++$stats['claimed'];
			++$stats[ $outcome['counter'] ];
			if ( Waybill_Outbox::DELIVERED !== $outcome['status'] ) {
				self::log( $row, $outcome );
			}
		}
		Waybill_Outbox::finish( $token, $outcomes );
		return $stats;
	}

	/**
	 * What happens to a row after its attempt (or after it could not be sent).
	 *
	 * @param object $row    Outbox row.
	 * @param array  $result Result from Waybill_Http.
	 * @return array
	 */
	private static function outcome( $row, array $result ) {
		$now  = time();
		$code = $result['error_code'];

		// Not sent at all: never unsigned, never to a missing endpoint. It waits, visibly.
		if ( '' !== $code && 0 !== strpos( $code, 'delivery.' ) ) {
			return array(
				'status'          => Waybill_Outbox::PENDING,
				'next_attempt_at' => gmdate( 'Y-m-d H:i:s', $now + self::BLOCKED_WAIT ),
				'retry_index'     => (int) $row->retry_index,
				'error_code'      => $code,
				'http_status'     => 0,
				'counter'         => 'blocked',
				'attempt'         => null,
			);
		}

		$http    = (int) $result['http_status'];
		$code    = $http > 0 && ( $http < 200 || $http >= 300 ) ? 'http.' . $http : $code;
		$verdict = Waybill_Retry::classify( $http, $code );
		$outcome = array(
			'status'          => Waybill_Outbox::DELIVERED,
			'next_attempt_at' => gmdate( 'Y-m-d H:i:s', $now ),
			'retry_index'     => (int) $row->retry_index,
			'error_code'      => $code,
			'http_status'     => $http,
			'counter'         => 'delivered',
			'attempt'         => array(
				'number'      => (int) $row->attempts + 1,
				'endpoint_id' => $row->endpoint_id,
				'started_at'  => gmdate( 'Y-m-d H:i:s', $result['started_at'] ),
				'duration_ms' => $result['duration_ms'],
				'http_status' => $http,
				'error_code'  => $code,
				'excerpt'     => $result['excerpt'],
			),
		);

		if ( Waybill_Retry::GONE === $verdict ) {
			// The receiver asked to stop: pause the endpoint, keep the event for when it returns.
			Waybill_Endpoints::set_enabled( $row->endpoint_id, false, 'endpoint.gone' );
			$outcome['status']     = Waybill_Outbox::PENDING;
			$outcome['error_code'] = 'endpoint.gone';
			$outcome['counter']    = 'blocked';
		} elseif ( Waybill_Retry::RETRY === $verdict ) {
			$retry_after = Waybill_Retry::parse_retry_after( $result['retry_after'], $now );
			$delay       = Waybill_Retry::next_delay( (int) $row->retry_index, $retry_after, Waybill_Settings::parse_schedule(), (int) Waybill_Settings::get( 'max_retry_after' ) );
			if ( null === $delay ) {
				$outcome['status']  = Waybill_Outbox::DEAD;
				$outcome['counter'] = 'dead';
			} else {
				$outcome['status']          = Waybill_Outbox::PENDING;
				$outcome['next_attempt_at'] = gmdate( 'Y-m-d H:i:s', $now + $delay );
				$outcome['retry_index']     = (int) $row->retry_index + 1;
				$outcome['counter']         = 'retrying';
			}
		} elseif ( Waybill_Retry::DEAD === $verdict ) {
			$outcome['status']  = Waybill_Outbox::DEAD;
			$outcome['counter'] = 'dead';
		}
		return $outcome;
	}

	/**
	 * Worker sessions read committed data and take no gap locks.
	 */
	private static function prepare_session() {
		global $wpdb;
		$wpdb->query( 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED' );
		if ( function_exists( 'ignore_user_abort' ) ) {
			ignore_user_abort( true );
		}
	}

	/**
	 * Remembers that a kind of runner was seen (Site Health checks this).
	 *
	 * @param string $runner cron, loopback, cli, wp-cli, admin…
	 */
	private static function seen( $runner ) {
		$seen = get_option( self::RUNNERS_OPTION, array() );
		$seen = is_array( $seen ) ? $seen : array();
		if ( isset( $seen[ $runner ] ) && time() - (int) $seen[ $runner ] < 30 ) {
			return;
		}
		$seen[ $runner ] = time();
		update_option( self::RUNNERS_OPTION, $seen, false );
	}

	/**
	 * Stores the last run's summary and returns the counters.
	 *
	 * @param array  $stats   Counters.
	 * @param float  $started microtime of the start.
	 * @param string $runner  Runner.
	 * @return array
	 */
	private static function finish_run( array $stats, $started, $runner ) {
		$stats['duration_ms'] = (int) round( ( microtime( true ) - $started ) * 1000 );
		update_option(
			self::LAST_RUN_OPTION,
			array(
				'at'     => time(),
				'runner' => $runner,
				'stats'  => $stats,
			),
			false
		);
		return $stats;
	}

	/**
	 * Adds batch counters to run counters.
	 *
	 * @param array $stats Run counters (by reference).
	 * @param array $batch Batch counters.
	 */
	private static function add( array &$stats, array $batch ) {
		foreach ( $batch as $name => $value ) {
			$stats[ $name ] = ( isset( $stats[ $name ] ) ? $stats[ $name ] : 0 ) + $value;
		}
	}

	/**
	 * One log line per failed attempt: event id, endpoint, code. Never a secret or a payload.
	 *
	 * @param object $row     Outbox row.
	 * @param array  $outcome Outcome.
	 */
	private static function log( $row, array $outcome ) {
		/**
		 * Fires for every attempt that did not deliver.
		 *
		 * @param string $key      Idempotency key.
		 * @param string $endpoint Endpoint id.
		 * @param string $code     Error code.
		 * @param string $status   New row status.
		 */
		do_action( 'waybill_delivery_failed', $row->idempotency_key, $row->endpoint_id, $outcome['error_code'], $outcome['status'] );
		if ( defined( 'WP_DEBUG_LOG' ) && WP_DEBUG_LOG ) {
			error_log( sprintf( 'waybill: event=%s endpoint=%s status=%s code=%s', $row->idempotency_key, $row->endpoint_id, $outcome['status'], $outcome['error_code'] ) ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log
		}
	}
}
