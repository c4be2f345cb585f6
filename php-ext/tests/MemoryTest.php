<?php
/**
 * Memory stays flat over many calls, on the success and the failure path,
 * both in PHP's allocator and in the process as a whole (Rust allocates
 * outside PHP's heap).
 *
 * @package Waybill
 */

namespace Waybill\Tests;

use PHPUnit\Framework\TestCase;

final class MemoryTest extends TestCase {

	private const CALLS = 100000;

	/** Most PHP heap growth allowed over all calls. */
	private const MAX_PHP_GROWTH = 256 * 1024;

	/** Most resident-size growth allowed over all calls. */
	private const MAX_RSS_GROWTH = 4 * 1024 * 1024;

	private static function rss(): int {
		$status = (string) file_get_contents( '/proc/self/status' );
		return preg_match( '/^VmRSS:\s+(\d+) kB/m', $status, $m ) ? 1024 * (int) $m[1] : 0;
	}

	private static function lead( int $i ): array {
		return array(
			'event_type' => 'lead.submitted',
			'source'     => 'wordpress-contact-form',
			'entity'     => array( 'type' => 'lead', 'id' => $i ),
			'consent'    => true,
			'data'       => array(
				'name'    => "Ada $i",
				'email'   => 'ada@example.com',
				'message' => str_repeat( 'x', 200 ),
				'consent' => $i % 2 ? true : '1',
			),
		);
	}

	private static function run_calls( int $from, int $count, array $options ): int {
		$failures = 0;
		for ( $i = $from; $i < $from + $count; $i++ ) {
			try {
				waybill_prepare( self::lead( $i ), $options );
			} catch ( \Waybill\ValidationException $e ) {
				$failures += count( $e->getErrors() );
			}
		}
		return $failures;
	}

	public function test_memory_is_stable_over_100000_prepares(): void {
		$options = array(
			'now'     => 1767225600,
			'secrets' => array( 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' ),
		);
		self::run_calls( 0, 2000, $options );
		gc_collect_cycles();
		$php_before = memory_get_usage();
		$rss_before = self::rss();

		$failures = self::run_calls( 2000, self::CALLS, $options );

		gc_collect_cycles();
		$this->assertSame( self::CALLS / 2, $failures, 'half the calls fail validation' );
		$this->assertLessThan( self::MAX_PHP_GROWTH, memory_get_usage() - $php_before );
		$this->assertLessThan( self::MAX_RSS_GROWTH, self::rss() - $rss_before );
	}
}
