<?php
/**
 * The retry policy as pure functions.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Waybill_Retry without database or network.
 */
final class RetryPolicyTest extends \PHPUnit\Framework\TestCase {

	public function test_2xx_is_delivered() {
		$this->assertSame( 'delivered', \Waybill_Retry::classify( 200 ) );
		$this->assertSame( 'delivered', \Waybill_Retry::classify( 204 ) );
	}

	public function test_410_is_gone() {
		$this->assertSame( 'gone', \Waybill_Retry::classify( 410 ) );
	}

	public function test_429_5xx_timeouts_and_connection_errors_retry() {
		foreach ( array( 429, 500, 502, 503, 504 ) as $status ) {
			$this->assertSame( 'retry', \Waybill_Retry::classify( $status ), (string) $status );
		}
		$this->assertSame( 'retry', \Waybill_Retry::classify( 0, 'delivery.timeout' ) );
		$this->assertSame( 'retry', \Waybill_Retry::classify( 0, 'delivery.connection' ) );
	}

	public function test_other_4xx_and_redirects_are_final() {
		foreach ( array( 301, 400, 401, 403, 404, 413, 422 ) as $status ) {
			$this->assertSame( 'dead', \Waybill_Retry::classify( $status ), (string) $status );
		}
	}

	public function test_delay_follows_the_schedule_with_bounded_jitter() {
		$schedule = array( 5, 300, 1800 );
		for ( $i = 0; $i < 50; $i++ ) {
			$delay = \Waybill_Retry::next_delay( 1, null, $schedule, 86400 );
			$this->assertGreaterThanOrEqual( 300, $delay );
			$this->assertLessThanOrEqual( 360, $delay );
		}
		$this->assertNull( \Waybill_Retry::next_delay( 3, null, $schedule, 86400 ) );
	}

	public function test_retry_after_is_honoured_but_capped() {
		$this->assertGreaterThanOrEqual( 120, \Waybill_Retry::next_delay( 0, 120, array( 5 ), 86400 ) );
		$this->assertSame( 86400, \Waybill_Retry::next_delay( 0, 999999, array( 5 ), 86400 ) );
	}

	public function test_retry_after_accepts_seconds_and_http_dates() {
		$now = 1_800_000_000;
		$this->assertSame( 30, \Waybill_Retry::parse_retry_after( '30', $now ) );
		$this->assertSame( 90, \Waybill_Retry::parse_retry_after( gmdate( 'D, d M Y H:i:s', $now + 90 ) . ' GMT', $now ) );
		$this->assertNull( \Waybill_Retry::parse_retry_after( '', $now ) );
		$this->assertNull( \Waybill_Retry::parse_retry_after( 'soon', $now ) );
	}

	public function test_default_schedule_is_standard_webhooks() {
		$this->assertSame( array( 5, 300, 1800, 7200, 18000, 36000, 36000 ), \Waybill_Settings::parse_schedule( \Waybill_Settings::DEFAULT_RETRY_SCHEDULE ) );
		$this->assertSame( array( 1, 2 ), \Waybill_Settings::parse_schedule( ' 1, 2 ,x,' ) );
	}
}
