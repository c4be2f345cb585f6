<?php
/**
 * The PHP surface of the extension: argument types, exception classes,
 * array and JSON input, byte-safe bodies, big integers and the registry.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

use PHPUnit\Framework\TestCase;

final class SurfaceTest extends TestCase {

	private const NOW    = 1767225600;
	private const SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

	private static function lead(): array {
		return array(
			'event_type' => 'lead.submitted',
			'source'     => 'wordpress-contact-form',
			'entity'     => array(
				'type' => 'lead',
				'id'   => 4821,
			),
			'consent'    => true,
			'actor'      => 'anonymous',
			'data'       => array(
				'name'    => 'Ada',
				'email'   => 'ada@example.com',
				'company' => 'Analytical',
				'message' => 'Hi',
				'consent' => true,
			),
			'metadata'   => array(
				'site'   => 'https://example.com',
				'locale' => 'en_US',
			),
		);
	}

	private static function options( array $more = array() ): array {
		return $more + array(
			'now'     => self::NOW,
			'secrets' => array( self::SECRET ),
		);
	}

	/**
	 * Runs $call and returns the Waybill exception it throws.
	 */
	private function thrown( callable $call ): \Waybill\Exception {
		try {
			$call();
		} catch ( \Waybill\Exception $e ) {
			return $e;
		}
		$this->fail( 'no Waybill\Exception was thrown' );
	}

	// ---- array and JSON input ----

	public function test_array_and_json_input_give_the_same_body(): void {
		$options   = self::options( array( 'natural_key' => 'form-7|entry-1', 'site_key' => 'site-key-of-16-bytes' ) );
		$from_arr  = waybill_prepare( self::lead(), $options );
		$from_json = waybill_prepare( json_encode( self::lead() ), $options );
		$this->assertSame( $from_json['body'], $from_arr['body'] );
		$this->assertSame( $from_json['headers'], $from_arr['headers'] );
	}

	public function test_prepare_result_has_documented_keys_and_signature_headers(): void {
		$p = waybill_prepare( self::lead(), self::options() );
		$this->assertSame( array( 'body', 'idempotency_key', 'event_type', 'version', 'headers', 'changes' ), array_keys( $p ) );
		$this->assertSame(
			array( 'content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature' ),
			array_keys( $p['headers'] )
		);
		$this->assertSame( 'lead.submitted', $p['event_type'] );
		$this->assertSame( $p['idempotency_key'], $p['headers']['webhook-id'] );
		$this->assertMatchesRegularExpression( '/^lead_[0-7][0-9A-HJKMNP-TV-Z]{25}$/', $p['idempotency_key'] );
	}

	public function test_prepared_event_verifies_and_is_received(): void {
		$p = waybill_prepare( self::lead(), self::options() );
		$v = waybill_verify( $p['body'], $p['headers'], array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( array( 'id' => $p['idempotency_key'], 'timestamp' => self::NOW ), $v );

		$r = \Waybill\Pipeline::receive( $p['body'], $p['headers'], array( 'verify_keys' => self::SECRET, 'now' => self::NOW ) );
		$this->assertSame( $p['body'], $r['body'] );
		$this->assertSame( 'Ada', $r['event']['data']['name'] );
		$this->assertSame( 4821, $r['event']['entity']['id'] );
		$this->assertTrue( $r['event']['consent'] );
	}

	public function test_header_names_match_in_any_case(): void {
		$p       = waybill_prepare( self::lead(), self::options() );
		$headers = array_change_key_case( $p['headers'], CASE_UPPER );
		$v       = waybill_verify( $p['body'], $headers, array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( self::NOW, $v['timestamp'] );
	}

	public function test_stdclass_is_an_object_and_empty_array_a_list(): void {
		$event                     = self::lead();
		$event['metadata']         = new \stdClass();
		$event['metadata']->site   = 'https://example.com';
		$p                         = waybill_prepare( $event, self::options() );
		$this->assertStringContainsString( '"metadata":{"site":"https://example.com"}', $p['body'] );

		$event['data'] = array();
		$e             = $this->thrown( fn() => waybill_prepare( $event, self::options() ) );
		$this->assertInstanceOf( \Waybill\ValidationException::class, $e );
		$this->assertSame( '/data', $e->getPointer() );
	}

	public function test_static_methods_match_functions(): void {
		$this->assertSame(
			waybill_prepare( self::lead(), self::options( array( 'natural_key' => 'n', 'site_key' => 'site-key-of-16-bytes' ) ) ),
			\Waybill\Pipeline::prepare( self::lead(), self::options( array( 'natural_key' => 'n', 'site_key' => 'site-key-of-16-bytes' ) ) )
		);
		$this->assertSame(
			waybill_sign( 'msg_1', self::NOW, 'body', array( self::SECRET ) ),
			\Waybill\Webhook::sign( 'msg_1', self::NOW, 'body', array( self::SECRET ) )
		);
		$this->assertSame(
			waybill_derive_idempotency_key( 'lead', 'site-key-of-16-bytes', 'x' ),
			\Waybill\IdempotencyKey::derive( 'lead', 'site-key-of-16-bytes', 'x' )
		);
		$this->assertSame( waybill_contracts(), \Waybill\Registry::list() );
	}

	// ---- type errors ----

	public function type_errors(): array {
		return array(
			'event is an int'            => array( fn() => waybill_prepare( 5 ) ),
			'event is null'              => array( fn() => waybill_validate( null ) ),
			'options is a string'        => array( fn() => waybill_prepare( '{}', 'now' ) ),
			'body is an array'           => array( fn() => waybill_verify( array(), array() ) ),
			'headers is a string'        => array( fn() => waybill_receive( '{}', 'webhook-id: x' ) ),
			'a header value is an array' => array( fn() => waybill_verify( '{}', array( 'webhook-id' => array( 'x' ) ) ) ),
			'timestamp is a string'      => array( fn() => waybill_sign( 'id', 'soon', 'body', array( self::SECRET ) ) ),
			'keys is a string'           => array( fn() => waybill_sign( 'id', 1, 'body', self::SECRET ) ),
			'a key is an int'            => array( fn() => waybill_sign( 'id', 1, 'body', array( 42 ) ) ),
			'prefix is an array'         => array( fn() => waybill_idempotency_key( array() ) ),
			'contract is an int'         => array( fn() => waybill_register_contract( 1 ) ),
			'id is not UTF-8'            => array( fn() => waybill_sign( "\xff", 1, 'body', array( self::SECRET ) ) ),
			'a missing argument'         => array( fn() => waybill_sign( 'id', 1 ) ),
		);
	}

	/**
	 * @dataProvider type_errors
	 */
	public function test_wrong_argument_types_throw_type_error( callable $call ): void {
		$this->expectException( \TypeError::class );
		$call();
	}

	public function test_type_error_names_the_given_type(): void {
		try {
			waybill_prepare( 5 );
			$this->fail( 'no TypeError' );
		} catch ( \TypeError $e ) {
			$this->assertSame( 'Argument #1 ($event) must be of type array|string, int given', $e->getMessage() );
		}
	}

	// ---- exceptions ----

	public function exception_families(): array {
		$lead = self::lead();
		return array(
			'input.invalid_json'        => array( fn() => waybill_prepare( '{' ), \Waybill\InputException::class, 'input.invalid_json', '' ),
			'input.duplicate_key'       => array( fn() => waybill_validate( '{"a":1,"a":2}' ), \Waybill\InputException::class, 'input.duplicate_key', '/a' ),
			'input.invalid_utf8 body'   => array( fn() => waybill_validate( "{\"a\":\"\xff\"}" ), \Waybill\InputException::class, 'input.invalid_utf8', '' ),
			'options.invalid'           => array( fn() => waybill_prepare( $lead, array( 'now' => 'x' ) ), \Waybill\InputException::class, 'options.invalid', '/options/now' ),
			'options unknown key'       => array( fn() => waybill_prepare( $lead, array( 'nwo' => 1 ) ), \Waybill\InputException::class, 'options.invalid', '/options/nwo' ),
			'schema.type'               => array( fn() => waybill_prepare( array( 'data' => array( 'name' => 1 ) + $lead['data'] ) + $lead ), \Waybill\ValidationException::class, 'schema.type', '/data/name' ),
			'contract.unknown'          => array( fn() => waybill_prepare( array( 'event_type' => 'nope.never', 'version' => '1.0' ) + $lead, self::options() ), \Waybill\ValidationException::class, 'contract.unknown', '/event_type' ),
			'contract.invalid'          => array( fn() => waybill_register_contract( '{"event_type":"Bad"}' ), \Waybill\ContractException::class, 'contract.invalid', '/event_type' ),
			'contract.mismatch'         => array( fn() => waybill_diff_contracts( \Waybill\Registry::get( 'lead.submitted' ), \Waybill\Registry::get( 'product.updated' ) ), \Waybill\ContractException::class, 'contract.mismatch', null ),
			'secret.invalid_prefix'     => array( fn() => waybill_sign( 'id', 1, 'b', array( 'nope' ) ), \Waybill\SecretException::class, 'secret.invalid_prefix', '/keys/0' ),
			'secret.none'               => array( fn() => waybill_sign( 'id', 1, 'b', array() ), \Waybill\SecretException::class, 'secret.none', '' ),
			'id.invalid_prefix'         => array( fn() => waybill_idempotency_key( 'Lead' ), \Waybill\SecretException::class, 'id.invalid_prefix', '' ),
			'signature.missing_header'  => array( fn() => waybill_verify( '{}', array(), array( 'verify_keys' => array( self::SECRET ) ) ), \Waybill\SignatureException::class, 'signature.missing_header', '/headers/webhook-id' ),
		);
	}

	/**
	 * @dataProvider exception_families
	 */
	public function test_each_code_family_throws_its_class( callable $call, string $class, string $code, ?string $pointer ): void {
		$line = __LINE__ + 1;
		$e    = $this->thrown( $call );
		$this->assertInstanceOf( $class, $e );
		$this->assertInstanceOf( \Waybill\Exception::class, $e );
		$this->assertInstanceOf( \Exception::class, $e );
		$this->assertSame( $code, $e->getErrorCode() );
		if ( null !== $pointer ) {
			$this->assertSame( $pointer, $e->getPointer() );
		}
		$this->assertStringStartsWith( $code, $e->getMessage() );
		$this->assertSame( __FILE__, $e->getFile(), 'the exception records where PHP called Waybill' );
	}

	public function test_validation_exception_lists_every_violation(): void {
		$event                    = self::lead();
		$event['data']['consent'] = '1';
		$event['data']['name']    = 12000;
		$line                     = __LINE__ + 1;
		$e                        = $this->thrown( fn() => waybill_prepare( $event, self::options() ) );
		$this->assertSame( $line, $e->getLine() );
		$this->assertSame(
			array(
				array( 'schema.const', '/data/consent' ),
				array( 'schema.type', '/data/name' ),
			),
			array_map( static fn( array $v ): array => array( $v['code'], $v['pointer'] ), $e->getErrors() )
		);
		foreach ( $e->getErrors() as $violation ) {
			$this->assertSame( array( 'code', 'pointer', 'message' ), array_keys( $violation ) );
			$this->assertNotSame( '', $violation['message'] );
		}
	}

	public function test_single_failures_have_no_violation_list(): void {
		$e = $this->thrown( fn() => waybill_canonicalize( '[1,' ) );
		$this->assertSame( array(), $e->getErrors() );
	}

	public function test_accessors_are_final_and_inherited(): void {
		$method = new \ReflectionMethod( \Waybill\SignatureException::class, 'getErrorCode' );
		$this->assertTrue( $method->isFinal() );
		$this->assertSame( \Waybill\Exception::class, $method->getDeclaringClass()->getName() );
	}

	// ---- bytes, numbers and hostile values ----

	public function test_body_is_byte_safe(): void {
		$body = "\x00\xff\xfe binary \x80";
		$sig  = waybill_sign( 'msg_1', self::NOW, $body, array( self::SECRET ) );
		$head = array(
			'webhook-id'        => 'msg_1',
			'webhook-timestamp' => self::NOW,
			'webhook-signature' => $sig,
		);
		$v    = waybill_verify( $body, $head, array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( 'msg_1', $v['id'] );

		$e = $this->thrown( fn() => waybill_verify( $body . 'x', $head, array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) ) );
		$this->assertSame( 'signature.mismatch', $e->getErrorCode() );

		$e = $this->thrown( fn() => waybill_receive( $body, $head, array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) ) );
		$this->assertSame( 'input.invalid_utf8', $e->getErrorCode() );
	}

	public function test_big_integers_stay_exact_in_body_and_become_strings_in_event(): void {
		$event = str_replace( '"id":4821', '"id":99999999999999999999', json_encode( self::lead() ) );
		$p     = waybill_prepare( $event, self::options() );
		$this->assertStringContainsString( '"id":99999999999999999999', $p['body'] );

		$r = waybill_receive( $p['body'], $p['headers'], array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( '99999999999999999999', $r['event']['entity']['id'] );
		$this->assertStringContainsString( '"id":99999999999999999999', $r['body'] );

		$max = str_replace( '"id":4821', '"id":' . PHP_INT_MAX, json_encode( self::lead() ) );
		$p   = waybill_prepare( $max, self::options() );
		$r   = waybill_receive( $p['body'], $p['headers'], array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( PHP_INT_MAX, $r['event']['entity']['id'] );
	}

	public function test_numeric_object_keys_are_php_integer_keys(): void {
		$p = waybill_prepare( array( 'metadata' => array( '7' => 'seven', '07' => 'zero-seven' ) ) + self::lead(), self::options() );
		$r = waybill_receive( $p['body'], $p['headers'], array( 'verify_keys' => array( self::SECRET ), 'now' => self::NOW ) );
		$this->assertSame( 'seven', $r['event']['metadata'][7] );
		$this->assertSame( 'seven', $r['event']['metadata']['7'] );
		$this->assertSame( 'zero-seven', $r['event']['metadata']['07'] );
	}

	public function test_php_values_without_json_form_are_input_errors(): void {
		$event                 = self::lead();
		$event['data']['name'] = NAN;
		$e                     = $this->thrown( fn() => waybill_prepare( $event ) );
		$this->assertSame( array( 'input.invalid_json', '/data/name' ), array( $e->getErrorCode(), $e->getPointer() ) );

		$event['data']['name'] = fn() => 1;
		$e                     = $this->thrown( fn() => waybill_prepare( $event ) );
		$this->assertSame( array( 'input.invalid_json', '/data/name' ), array( $e->getErrorCode(), $e->getPointer() ) );

		$event['data']['name'] = "Ad\xe9";
		$e                     = $this->thrown( fn() => waybill_prepare( $event ) );
		$this->assertSame( array( 'input.invalid_utf8', '/data/name' ), array( $e->getErrorCode(), $e->getPointer() ) );

		$event['data'] = array( "k\xff" => 1 );
		$e             = $this->thrown( fn() => waybill_prepare( $event ) );
		$this->assertSame( 'input.invalid_utf8', $e->getErrorCode() );
	}

	public function test_self_referencing_and_deep_arrays_are_too_deep(): void {
		$event                 = self::lead();
		$event['data']['self'] = &$event;
		$e                     = $this->thrown( fn() => waybill_prepare( $event ) );
		$this->assertSame( 'input.too_deep', $e->getErrorCode() );

		$deep = array();
		for ( $i = 0; $i < 100000; $i++ ) {
			$deep = array( $deep );
		}
		$e = $this->thrown( fn() => waybill_prepare( array( 'data' => $deep ) + self::lead() ) );
		$this->assertSame( 'input.too_deep', $e->getErrorCode() );

		$e = $this->thrown( fn() => waybill_validate( str_repeat( '[', 100000 ) ) );
		$this->assertSame( 'input.too_deep', $e->getErrorCode() );
	}

	public function test_raised_max_depth_is_capped_so_the_stack_holds(): void {
		$too_high = array(
			'max_depth'      => 10000000,
			'max_body_bytes' => 1 << 20,
		);
		$e        = $this->thrown( fn() => waybill_validate( str_repeat( '[', 400000 ), array( 'limits' => $too_high ) ) );
		$this->assertSame( 'options.invalid', $e->getErrorCode() );
		$this->assertSame( '/options/limits/max_depth', $e->getPointer() );

		$ceiling = array(
			'max_depth'      => 256,
			'max_body_bytes' => 1 << 20,
		);
		$e       = $this->thrown( fn() => waybill_validate( str_repeat( '[', 400000 ), array( 'limits' => $ceiling ) ) );
		$this->assertSame( 'input.too_deep', $e->getErrorCode() );
		$this->assertStringContainsString( 'limit of 256', $e->getMessage() );
	}

	public function test_limits_option_bounds_array_input_too(): void {
		$event                    = self::lead();
		$event['data']['message'] = str_repeat( 'a', 100 );
		$e                        = $this->thrown( fn() => waybill_prepare( $event, array( 'limits' => array( 'max_string_bytes' => 50 ) ) ) );
		$this->assertSame( array( 'input.string_too_long', '/data/message' ), array( $e->getErrorCode(), $e->getPointer() ) );
	}

	// ---- keys and ids ----

	public function test_generated_keys_sign_and_verify(): void {
		$secret = waybill_generate_secret();
		$this->assertStringStartsWith( 'whsec_', $secret );
		$pair = waybill_generate_keypair();
		$this->assertSame( array( 'secret_key', 'public_key' ), array_keys( $pair ) );
		$this->assertSame( $pair['public_key'], waybill_public_key( $pair['secret_key'] ) );

		$sig  = waybill_sign( 'msg_2', self::NOW, 'hello', array( $secret, $pair['secret_key'] ) );
		$head = array(
			'webhook-id'        => 'msg_2',
			'webhook-timestamp' => (string) self::NOW,
			'webhook-signature' => $sig,
		);
		$opts = array( 'verify_keys' => array( $pair['public_key'] ), 'now' => self::NOW );
		$this->assertSame( 'msg_2', waybill_verify( 'hello', $head, $opts )['id'] );
	}

	public function test_idempotency_keys_random_and_derived(): void {
		$a = waybill_idempotency_key( 'lead' );
		$b = waybill_idempotency_key( 'lead' );
		$this->assertNotSame( $a, $b );
		$this->assertMatchesRegularExpression( '/^lead_[0-7][0-9A-HJKMNP-TV-Z]{25}$/', $a );

		$x = waybill_derive_idempotency_key( 'lead', 'site-key-of-16-bytes', 'form-7|42' );
		$this->assertSame( $x, waybill_derive_idempotency_key( 'lead', 'site-key-of-16-bytes', 'form-7|42' ) );
		$this->assertNotSame( $x, waybill_derive_idempotency_key( 'lead', 'other-key-of-16-bytes', 'form-7|42' ) );
	}

	// ---- registry ----

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_registered_contract_is_used_by_prepare(): void {
		$contract = array(
			'event_type' => 'shop.order_paid',
			'version'    => '1.0',
			'title'      => 'Order paid',
			'schema'     => array(
				'type'                 => 'object',
				'required'             => array( 'order_id' ),
				'additionalProperties' => false,
				'properties'           => array( 'order_id' => array( 'type' => 'integer' ) ),
			),
		);
		$summary  = \Waybill\Registry::register( $contract );
		$this->assertSame( array( 'shop.order_paid', '1.0' ), array( $summary['event_type'], $summary['version'] ) );
		$this->assertSame( $summary, waybill_register_contract( json_encode( $contract ) ), 'registering again is harmless' );
		$this->assertContains( 'shop.order_paid', array_column( waybill_contracts(), 'event_type' ) );
		$this->assertEquals( $contract['schema'], \Waybill\Registry::get( 'shop.order_paid', '1.0' )['schema'] );

		$event = array(
			'event_type' => 'shop.order_paid',
			'source'     => 'shop',
			'entity'     => array( 'type' => 'order', 'id' => 7 ),
			'consent'    => true,
			'data'       => array( 'order_id' => 7 ),
		);
		$this->assertStringStartsWith( 'shop_', waybill_prepare( $event, array( 'now' => self::NOW ) )['idempotency_key'] );

		$contract['schema']['properties']['order_id']['type'] = 'string';
		$e = $this->thrown( fn() => waybill_register_contract( $contract ) );
		$this->assertInstanceOf( \Waybill\ContractException::class, $e );
		$this->assertSame( 'contract.conflict', $e->getErrorCode() );
	}

	public function test_diff_reports_breaking_changes(): void {
		$old                                    = \Waybill\Registry::get( 'lead.submitted', '1.0' );
		$new                                    = $old;
		$new['version']                         = '1.1';
		$new['schema']['required'][]            = 'company';
		$d                                      = waybill_diff_contracts( $old, $new );
		$this->assertTrue( $d['breaking'] );
		$this->assertSame( 'major', $d['bump'] );
		$this->assertFalse( $d['version_ok'] );
		$this->assertSame( array( 'pointer', 'kind', 'breaking', 'message' ), array_keys( $d['changes'][0] ) );
	}

	public function test_unknown_contract_version_is_a_validation_error(): void {
		$e = $this->thrown( fn() => \Waybill\Registry::get( 'lead.submitted', '9.9' ) );
		$this->assertInstanceOf( \Waybill\ValidationException::class, $e );
		$this->assertSame( array( 'contract.unknown', '/version' ), array( $e->getErrorCode(), $e->getPointer() ) );
	}

	// ---- module ----

	public function test_module_reports_its_version(): void {
		$this->assertContains( 'waybill', get_loaded_extensions() );
		$this->assertMatchesRegularExpression( '/^\d+\.\d+\.\d+/', phpversion( 'waybill' ) );
		ob_start();
		phpinfo( INFO_MODULES );
		$info = ob_get_clean();
		$this->assertStringContainsString( 'waybill version => ' . phpversion( 'waybill' ), $info );
	}
}
