<?php
/**
 * Hostile input under a real php-fpm pool: every request gets an answer, no
 * worker dies or is replaced, and the pool still serves afterwards.
 *
 * The pool is started here, on a unix socket in a temporary directory, with
 * the php.ini and conf.d of the installed FPM (so it also proves that
 * `make install` enabled the extension for FPM).
 *
 * @package Waybill
 */

namespace Waybill\Tests;

use PHPUnit\Framework\TestCase;
use Waybill\Tests\Fpm\FastCgi;

require_once __DIR__ . '/fpm/FastCgi.php';

final class FpmTest extends TestCase {

	private const WORKERS = 2;

	/** What each hostile case must answer (a Waybill code, or a prefix of one). */
	private const EXPECTED = array(
		'deep_array'           => 'input.too_deep',
		'self_reference'       => 'input.too_deep',
		'deep_json'            => 'input.too_deep',
		'deep_json_raised_max' => 'input.too_deep',
		'depth_over_ceiling'   => 'options.invalid',
		'huge_body'            => 'input.too_large',
		'huge_string_event'    => 'input.string_too_long',
		'huge_signature'       => 'signature.malformed',
		'many_signatures'      => 'signature.',
		'invalid_utf8'         => 'input.invalid_utf8',
		'nan_closure_resource' => 'input.invalid_json',
		'resource'             => 'input.invalid_json',
		'integer_edges'        => 'signature.invalid_timestamp',
		'timestamp_overflow'   => 'signature.',
		'now_out_of_range'     => 'options.invalid',
		'options_garbage'      => 'options.invalid',
		'options_nested'       => 'input.too_deep',
		'contracts_garbage'    => 'contract.invalid',
		'huge_prefix'          => 'id.invalid_prefix',
		'bad_keys'             => 'secret.',
		'register_garbage'     => 'contract.invalid',
		'diff_garbage'         => 'contract.invalid',
		'type_error'           => 'TypeError',
		'fuzz'                 => 'ok',
	);

	/** @var string */
	private static $dir;

	/** @var resource|null */
	private static $process;

	/** @var FastCgi */
	private static $client;

	public static function setUpBeforeClass(): void {
		$fpm = trim( (string) shell_exec( 'command -v php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . ' || command -v php-fpm' ) );
		if ( '' === $fpm ) {
			self::fail( 'php-fpm is not installed' );
		}
		self::$dir = sys_get_temp_dir() . '/waybill-fpm-' . getmypid();
		@mkdir( self::$dir, 0700, true );
		copy( __DIR__ . '/fpm/hostile.php', self::$dir . '/hostile.php' );
		$conf = implode(
			"\n",
			array(
				'[global]',
				'pid = ' . self::$dir . '/fpm.pid',
				'error_log = ' . self::$dir . '/fpm.log',
				'daemonize = no',
				'[waybill]',
				'listen = ' . self::$dir . '/fpm.sock',
				'pm = static',
				'pm.max_children = ' . self::WORKERS,
				'catch_workers_output = yes',
				'request_terminate_timeout = 120',
				'php_admin_value[memory_limit] = 512M',
				'php_admin_flag[log_errors] = on',
				'php_admin_value[error_log] = ' . self::$dir . '/php.log',
				'',
			)
		);
		file_put_contents( self::$dir . '/fpm.conf', $conf );
		$cmd           = array( $fpm, '--nodaemonize', '--allow-to-run-as-root', '--fpm-config', self::$dir . '/fpm.conf' );
		self::$process = proc_open( $cmd, array( array( 'file', '/dev/null', 'r' ), array( 'file', self::$dir . '/stdout', 'w' ), array( 'file', self::$dir . '/stderr', 'w' ) ), $pipes );
		for ( $i = 0; $i < 100 && ! file_exists( self::$dir . '/fpm.sock' ); $i++ ) {
			usleep( 100000 );
		}
		if ( ! file_exists( self::$dir . '/fpm.sock' ) ) {
			self::fail( 'php-fpm did not start: ' . file_get_contents( self::$dir . '/stderr' ) . @file_get_contents( self::$dir . '/fpm.log' ) );
		}
		self::$client = new FastCgi( 'unix://' . self::$dir . '/fpm.sock', 120 );
	}

	public static function tearDownAfterClass(): void {
		if ( is_resource( self::$process ) ) {
			proc_terminate( self::$process, SIGTERM );
			proc_close( self::$process );
		}
		foreach ( glob( self::$dir . '/*' ) as $file ) {
			unlink( $file );
		}
		@rmdir( self::$dir );
	}

	/**
	 * One request; returns [outcome, pid].
	 */
	private static function ask( string $case ): array {
		$response = self::$client->request( self::$dir . '/hostile.php', 'case=' . $case );
		self::assertSame( 200, $response['status'], "$case got no answer: " . $response['stderr'] );
		self::assertMatchesRegularExpression( '/^' . $case . ' => (.*) pid=(\d+)$/m', $response['body'], "$case: {$response['body']}" );
		preg_match( '/^' . $case . ' => (.*) pid=(\d+)$/m', $response['body'], $m );
		return array( $m[1], (int) $m[2] );
	}

	private static function worker_pids(): array {
		$pids = array();
		for ( $i = 0; $i < 8 * self::WORKERS; $i++ ) {
			list( $outcome, $pid ) = self::ask( 'health' );
			self::assertSame( 'ok', $outcome );
			$pids[ $pid ] = true;
		}
		ksort( $pids );
		return array_keys( $pids );
	}

	public function test_hostile_requests_leave_the_pool_serving(): void {
		$before = self::worker_pids();
		$this->assertNotEmpty( $before );

		foreach ( self::EXPECTED as $case => $expected ) {
			for ( $round = 0; $round < self::WORKERS; $round++ ) {
				list( $outcome ) = self::ask( $case );
				$this->assertStringNotContainsString( 'Rust panic', $outcome, $case );
				$this->assertStringStartsWith( $expected, $outcome, $case );
			}
		}

		$after = self::worker_pids();
		foreach ( $after as $pid ) {
			$this->assertContains( $pid, $before, 'a worker was replaced: one died' );
		}
		$log = (string) @file_get_contents( self::$dir . '/fpm.log' );
		$this->assertDoesNotMatchRegularExpression( '/exited on signal|exited with code|SIGSEGV|core dumped/', $log );
		$this->assertStringNotContainsString( 'panicked', $log . (string) @file_get_contents( self::$dir . '/php.log' ) );
	}
}
