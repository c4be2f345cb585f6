<?php
/**
 * Several workers at once, and workers that die: nothing sent twice, nothing lost.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Claims and recovery with real separate processes.
 */
final class ConcurrencyTest extends TestCase {

	public function test_two_workers_at_once_never_send_one_event_twice() {
		$this->require_extension();
		$this->emit_leads( 300, 'two' );

		$results = $this->run_parallel_workers( 2, '--batch-size=10 --concurrency=4 --json' );

		$this->assertSame( 300, array_sum( wp_list_pluck( $results, 'delivered' ) ) );
		$this->assertGreaterThan( 0, min( wp_list_pluck( $results, 'delivered' ) ), 'both workers took part' );
		$stats = $this->receiver_stats();
		$this->assertSame( 300, $stats['accepted'] );
		$this->assertSame( 300, $stats['unique'] );
		$this->assertSame( 0, $stats['duplicates'] );
		$this->assertCount( 300, $this->rows( "status = 'delivered'" ) );
	}

	public function test_four_workers_at_once_have_no_deadlock_and_no_duplicate() {
		$this->require_extension();
		$this->emit_leads( 400, 'four' );
		$log    = $this->debug_log_size();
		$deadlocks = 0;

		$results = $this->run_parallel_workers( 4, '--batch-size=25 --concurrency=8 --json' );

		$this->assertSame( 400, array_sum( wp_list_pluck( $results, 'delivered' ) ) );
		$stats = $this->receiver_stats();
		$this->assertSame( 400, $stats['unique'] );
		$this->assertSame( 0, $stats['duplicates'] );
		$new_log = (string) file_get_contents( getenv( 'WAYBILL_WP_STATE' ) . '/logs/wp-debug.log', false, null, $log );
		$this->assertSame( 0, preg_match_all( '/Deadlock|Lock wait timeout|WordPress database error/', $new_log ), $new_log );
	}

	public function test_worker_killed_mid_batch_is_recovered_and_every_event_delivered() {
		$this->require_extension();
		\Waybill_Endpoints::save( array( 'id' => 'receiver', 'timeout' => 30 ) );
		$this->receiver( 'config', array( 'mode' => 'hang', 'hang_s' => 20 ) );
		$this->emit_leads( 20, 'killed' );

		// A worker claims a batch and hangs on the receiver; then it is killed.
		$process = proc_open( 'exec ' . $this->cli_worker_command( '--batch-size=20 --concurrency=4' ), array( 1 => array( 'file', '/dev/null', 'w' ), 2 => array( 'file', '/dev/null', 'w' ) ), $pipes );
		$claimed = $this->eventually(
			function () {
				return 20 === count( $this->rows( "status = 'sending'" ) );
			},
			15
		);
		$this->assertTrue( $claimed, 'the worker claimed the batch' );
		$status = proc_get_status( $process );
		posix_kill( $status['pid'], SIGKILL );
		proc_close( $process );
		$this->assertCount( 20, $this->rows( "status = 'sending'" ), 'left behind by the dead worker' );

		// Within the claim lifetime nobody else takes them…
		$this->receiver( 'config', array( 'mode' => 'ok' ) );
		$this->assertSame( 0, $this->run_worker()['claimed'] );

		// …after it, the next worker recovers and delivers all of them.
		\Waybill_Settings::update( array( 'claim_ttl' => 1 ) );
		sleep( 2 );
		$stats = $this->run_worker();
		$this->assertSame( 20, $stats['recovered'] );
		$this->assertSame( 20, $stats['delivered'] );
		$this->assertCount( 20, $this->rows( "status = 'delivered'" ) );
		$ids = array_unique( wp_list_pluck( array_filter( $this->receiver( 'deliveries' ), static function ( $d ) {
			return 200 === $d['answered'];
		} ), 'id' ) );
		$this->assertCount( 20, $ids, 'every event reached the receiver' );
	}

	public function test_claim_is_atomic_between_two_claimers_in_one_process() {
		$this->require_extension();
		$this->emit_leads( 10, 'atomic' );
		$endpoints = \Waybill_Endpoints::enabled_ids();

		$first  = \Waybill_Outbox::claim( 10, str_repeat( 'a', 32 ), $endpoints );
		$second = \Waybill_Outbox::claim( 10, str_repeat( 'b', 32 ), $endpoints );

		$this->assertCount( 10, $first );
		$this->assertCount( 0, $second );
	}

	/**
	 * Starts N CLI workers at the same moment and waits for all.
	 *
	 * @param int    $count Workers.
	 * @param string $flags Flags.
	 * @return array[] Decoded JSON summaries.
	 */
	private function run_parallel_workers( $count, $flags ) {
		$processes = array();
		$outputs   = array();
		for ( $i = 0; $i < $count; $i++ ) {
			$processes[ $i ] = proc_open( $this->cli_worker_command( '--time-limit=60 ' . $flags ), array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes );
			$outputs[ $i ]   = $pipes;
		}
		$results = array();
		foreach ( $processes as $i => $process ) {
			$stdout = stream_get_contents( $outputs[ $i ][1] );
			$stderr = stream_get_contents( $outputs[ $i ][2] );
			$code   = proc_close( $process );
			$this->assertSame( 0, $code, $stderr );
			$lines     = array_filter( explode( "\n", trim( $stdout ) ) );
			$results[] = json_decode( (string) end( $lines ), true );
		}
		return $results;
	}

	/**
	 * Current size of the WordPress debug log.
	 *
	 * @return int
	 */
	private function debug_log_size() {
		$file = getenv( 'WAYBILL_WP_STATE' ) . '/logs/wp-debug.log';
		clearstatcache();
		return is_file( $file ) ? (int) filesize( $file ) : 0;
	}
}
