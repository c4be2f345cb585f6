<?php
/**
 * Every conformance vector through the extension: the same bytes, verdicts,
 * codes and pointers as the Rust core.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

use PHPUnit\Framework\TestCase;

final class VectorsTest extends TestCase {

	/** The suite must not shrink unnoticed (the Rust runner keeps the same floor). */
	private const MIN_CASES = 150;

	/** Cases that change the process registry run in their own process. */
	private const ISOLATED_OPS = array( 'register' );

	public function shared_cases(): array {
		return array_filter(
			VectorRunner::cases(),
			static fn( array $c ): bool => ! in_array( $c[0], self::ISOLATED_OPS, true )
		);
	}

	public function isolated_cases(): array {
		return array_filter(
			VectorRunner::cases(),
			static fn( array $c ): bool => in_array( $c[0], self::ISOLATED_OPS, true )
		);
	}

	/**
	 * @dataProvider shared_cases
	 */
	public function test_vector_gives_the_rust_result( string $op, object $input, array $expect ): void {
		$this->assert_same_result( $expect, VectorRunner::run( $op, $input ) );
	}

	/**
	 * @dataProvider isolated_cases
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_registry_vector_gives_the_rust_result( string $op, object $input, array $expect ): void {
		require_once __DIR__ . '/VectorRunner.php';
		$this->assert_same_result( $expect, VectorRunner::run( $op, $input ) );
	}

	public function test_suite_keeps_every_case(): void {
		$all = VectorRunner::cases();
		$this->assertGreaterThanOrEqual( self::MIN_CASES, count( $all ) );
		$this->assertSame( count( $all ), count( $this->shared_cases() ) + count( $this->isolated_cases() ) );
	}

	private function assert_same_result( array $expect, array $got ): void {
		$this->assertSame(
			VectorRunner::normalize( $expect ),
			VectorRunner::normalize( $got ),
			json_encode( $got, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE )
		);
	}
}
