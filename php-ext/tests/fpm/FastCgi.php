<?php
/**
 * A minimal FastCGI client (responder role, one request per connection),
 * enough to talk to a php-fpm pool we started ourselves on a unix socket.
 *
 * @package Waybill
 */

namespace Waybill\Tests\Fpm;

final class FastCgi {

	private const VERSION       = 1;
	private const BEGIN_REQUEST = 1;
	private const END_REQUEST   = 3;
	private const PARAMS        = 4;
	private const STDIN         = 5;
	private const STDOUT        = 6;
	private const STDERR        = 7;
	private const RESPONDER     = 1;
	private const MAX_CONTENT   = 65535;

	/** @var string */
	private $address;

	/** @var float */
	private $timeout;

	public function __construct( string $address, float $timeout = 30.0 ) {
		$this->address = $address;
		$this->timeout = $timeout;
	}

	private static function record( int $type, string $content, int $id = 1 ): string {
		return pack( 'CCnnCx', self::VERSION, $type, $id, strlen( $content ), 0 ) . $content;
	}

	private static function length( int $n ): string {
		return $n < 128 ? chr( $n ) : pack( 'N', $n | 0x80000000 );
	}

	private static function params( array $params ): string {
		$out = '';
		foreach ( $params as $k => $v ) {
			$out .= self::length( strlen( $k ) ) . self::length( strlen( $v ) ) . $k . $v;
		}
		return $out;
	}

	private static function stream( int $type, string $data ): string {
		$out = '';
		foreach ( str_split( $data, self::MAX_CONTENT ) as $chunk ) {
			if ( '' !== $chunk ) {
				$out .= self::record( $type, $chunk );
			}
		}
		return $out . self::record( $type, '' );
	}

	/**
	 * Sends one request; returns ['status' => int, 'headers' => string, 'body' => string, 'stderr' => string].
	 */
	public function request( string $script, string $query = '', string $body = '' ): array {
		$params = array(
			'GATEWAY_INTERFACE' => 'FastCGI/1.0',
			'REQUEST_METHOD'    => '' === $body ? 'GET' : 'POST',
			'SCRIPT_FILENAME'   => $script,
			'SCRIPT_NAME'       => '/' . basename( $script ),
			'QUERY_STRING'      => $query,
			'REQUEST_URI'       => '/' . basename( $script ) . ( '' === $query ? '' : "?$query" ),
			'SERVER_PROTOCOL'   => 'HTTP/1.1',
			'SERVER_NAME'       => 'localhost',
			'SERVER_ADDR'       => '127.0.0.1',
			'SERVER_PORT'       => '80',
			'REMOTE_ADDR'       => '127.0.0.1',
			'CONTENT_TYPE'      => 'application/octet-stream',
			'CONTENT_LENGTH'    => (string) strlen( $body ),
		);
		$socket = stream_socket_client( $this->address, $errno, $errstr, $this->timeout );
		if ( false === $socket ) {
			throw new \RuntimeException( "cannot connect to {$this->address}: $errstr" );
		}
		stream_set_timeout( $socket, (int) $this->timeout );
		$request = self::record( self::BEGIN_REQUEST, pack( 'nCx5', self::RESPONDER, 0 ) )
			. self::stream( self::PARAMS, self::params( $params ) )
			. self::stream( self::STDIN, $body );
		fwrite( $socket, $request );

		$stdout = '';
		$stderr = '';
		$ended  = false;
		while ( ! $ended ) {
			$header = self::read( $socket, 8 );
			if ( null === $header ) {
				break;
			}
			$h       = unpack( 'Cversion/Ctype/nid/nlength/Cpadding', $header );
			$content = self::read( $socket, $h['length'] + $h['padding'] );
			if ( null === $content ) {
				break;
			}
			$content = substr( $content, 0, $h['length'] );
			if ( self::STDOUT === $h['type'] ) {
				$stdout .= $content;
			} elseif ( self::STDERR === $h['type'] ) {
				$stderr .= $content;
			} elseif ( self::END_REQUEST === $h['type'] ) {
				$ended = true;
			}
		}
		fclose( $socket );
		if ( ! $ended ) {
			return array( 'status' => 0, 'headers' => '', 'body' => $stdout, 'stderr' => $stderr );
		}
		$split   = strpos( $stdout, "\r\n\r\n" );
		$headers = false === $split ? $stdout : substr( $stdout, 0, $split );
		$status  = preg_match( '/^Status: (\d+)/mi', $headers, $m ) ? (int) $m[1] : 200;
		return array(
			'status'  => $status,
			'headers' => $headers,
			'body'    => false === $split ? '' : substr( $stdout, $split + 4 ),
			'stderr'  => $stderr,
		);
	}

	/** @param resource $socket */
	private static function read( $socket, int $n ): ?string {
		$out = '';
		while ( strlen( $out ) < $n ) {
			$chunk = fread( $socket, $n - strlen( $out ) );
			if ( false === $chunk || ( '' === $chunk && feof( $socket ) ) ) {
				return null;
			}
			if ( '' === $chunk && stream_get_meta_data( $socket )['timed_out'] ) {
				return null;
			}
			$out .= $chunk;
		}
		return $out;
	}
}
