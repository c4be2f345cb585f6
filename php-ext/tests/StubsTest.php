<?php
/**
 * waybill.stub.php declares exactly what the extension exports.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

use PHPUnit\Framework\TestCase;

final class StubsTest extends TestCase {

	private static function describe( bool $stub ): array {
		$cmd  = escapeshellarg( PHP_BINARY ) . ( $stub ? ' -n ' : ' ' ) . escapeshellarg( __DIR__ . '/describe.php' ) . ( $stub ? ' stub' : '' );
		$json = shell_exec( $cmd );
		return json_decode( (string) $json, true, 512, JSON_THROW_ON_ERROR );
	}

	/**
	 * Doc comments exist only in the stub; the extension has none to compare.
	 */
	private static function without_docs( array $described ): array {
		array_walk_recursive(
			$described,
			static function ( &$value, $key ) {
				if ( 'doc' === $key ) {
					$value = null;
				}
			}
		);
		return $described;
	}

	public function test_stub_declares_what_the_extension_exports(): void {
		$stub      = self::describe( true );
		$extension = self::describe( false );
		$this->assertSame( array_keys( $extension['functions'] ), array_keys( $stub['functions'] ) );
		$this->assertSame( array_keys( $extension['classes'] ), array_keys( $stub['classes'] ) );
		$this->assertSame( self::without_docs( $extension ), self::without_docs( $stub ) );
	}

	public function test_every_stub_function_and_class_has_a_doc_comment(): void {
		$stub = self::describe( true );
		foreach ( $stub['functions'] as $name => $f ) {
			$this->assertTrue( $f['doc'], "$name has no doc comment" );
		}
		foreach ( $stub['classes'] as $name => $c ) {
			$this->assertTrue( $c['doc'], "$name has no doc comment" );
			foreach ( $c['methods'] as $method => $m ) {
				$this->assertTrue( $m['doc'], "$name::$method has no doc comment" );
			}
		}
	}

	public function test_reflection_shows_typed_arginfo(): void {
		$f = new \ReflectionFunction( 'waybill_sign' );
		$this->assertSame(
			array( 'string', 'int', 'string', 'array' ),
			array_map( static fn( \ReflectionParameter $p ): string => (string) $p->getType(), $f->getParameters() )
		);
		$this->assertSame( 'string', (string) $f->getReturnType() );
	}
}
