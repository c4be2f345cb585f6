<?php
/**
 * The lead form: shortcode, block, and the submission handler behind the REST route.
 *
 * Anonymous visitors are checked without breaking page caching: the form asks
 * for a short-lived signed token when it is used, a honeypot field catches
 * simple bots, and each IP address has a submission budget. Logged-in users
 * are recognised by the REST nonce instead.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders the form and accepts its submissions.
 */
final class Waybill_Forms {

	const SHORTCODE      = 'waybill_lead_form';
	const BLOCK          = 'waybill/lead-form';
	const HONEYPOT_FIELD = 'website';
	const EVENT_TYPE     = 'lead.submitted';
	const SOURCE         = 'wordpress-contact-form';

	/** Text fields of the form, in display order. */
	const FIELDS = array( 'name', 'email', 'company', 'phone', 'message' );

	/** Bytes accepted per field before the core even sees it. */
	const MAX_FIELD_BYTES = 10000;

	/**
	 * Counter for unique element ids when a page holds several forms.
	 *
	 * @var int
	 */
	private static $instance = 0;

	/**
	 * Registers the shortcode, block and assets.
	 */
	public static function init() {
		add_shortcode( self::SHORTCODE, array( __CLASS__, 'render' ) );
		add_action( 'init', array( __CLASS__, 'register_block' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'register_assets' ) );
	}

	/**
	 * Registers the front-end script and style (enqueued only where a form renders).
	 */
	public static function register_assets() {
		wp_register_script( 'waybill-lead-form', plugins_url( 'assets/lead-form.js', WAYBILL_FILE ), array(), WAYBILL_VERSION, true );
		wp_register_style( 'waybill-lead-form', plugins_url( 'assets/lead-form.css', WAYBILL_FILE ), array(), WAYBILL_VERSION );
	}

	/**
	 * Registers the block; the server renders it like the shortcode.
	 */
	public static function register_block() {
		wp_register_script(
			'waybill-lead-form-editor',
			plugins_url( 'assets/block-editor.js', WAYBILL_FILE ),
			array( 'wp-blocks', 'wp-element', 'wp-i18n', 'wp-block-editor', 'wp-components', 'wp-server-side-render' ),
			WAYBILL_VERSION,
			true
		);
		register_block_type(
			WAYBILL_DIR . 'blocks/lead-form',
			array(
				'render_callback' => array( __CLASS__, 'render' ),
				'editor_script'   => 'waybill-lead-form-editor',
			)
		);
	}

	/**
	 * The form's HTML (shortcode and block).
	 *
	 * @param array|string $atts title, button, consent.
	 * @return string
	 */
	public static function render( $atts = array() ) {
		$atts = shortcode_atts(
			array(
				'title'   => '',
				'button'  => __( 'Send', 'waybill' ),
				'consent' => __( 'I agree that this site stores my message and passes it on to answer me.', 'waybill' ),
			),
			is_array( $atts ) ? $atts : array(),
			self::SHORTCODE
		);
		if ( ! wp_script_is( 'waybill-lead-form', 'registered' ) ) {
			self::register_assets();
		}
		wp_enqueue_script( 'waybill-lead-form' );
		wp_enqueue_style( 'waybill-lead-form' );

		$uid    = 'waybill-form-' . ( ++self::$instance );
		$labels = self::labels();
		$nonce  = is_user_logged_in() ? wp_create_nonce( 'wp_rest' ) : '';

		ob_start();
		?>
		<form class="waybill-lead-form" id="<?php echo esc_attr( $uid ); ?>" method="post" novalidate
			action="<?php echo esc_url( rest_url( 'waybill/v1/leads' ) ); ?>"
			data-token-url="<?php echo esc_url( rest_url( 'waybill/v1/form-token' ) ); ?>"
			data-nonce="<?php echo esc_attr( $nonce ); ?>">
			<?php if ( '' !== $atts['title'] ) : ?>
				<h3><?php echo esc_html( $atts['title'] ); ?></h3>
			<?php endif; ?>
			<input type="hidden" name="form_token" value="<?php echo esc_attr( self::issue_token() ); ?>">
			<input type="hidden" name="waybill_nojs" value="1">
			<input type="hidden" name="locale" value="<?php echo esc_attr( determine_locale() ); ?>">
			<?php foreach ( self::FIELDS as $field ) : ?>
				<p class="waybill-field waybill-field-<?php echo esc_attr( $field ); ?>">
					<label for="<?php echo esc_attr( $uid . '-' . $field ); ?>"><?php echo esc_html( $labels[ $field ] ); ?></label>
					<?php if ( 'message' === $field ) : ?>
						<textarea id="<?php echo esc_attr( $uid . '-' . $field ); ?>" name="message" rows="5" required aria-describedby="<?php echo esc_attr( $uid . '-message-error' ); ?>"></textarea>
					<?php else : ?>
						<input id="<?php echo esc_attr( $uid . '-' . $field ); ?>" name="<?php echo esc_attr( $field ); ?>"
							type="<?php echo esc_attr( 'email' === $field ? 'email' : ( 'phone' === $field ? 'tel' : 'text' ) ); ?>"
							autocomplete="<?php echo esc_attr( array( 'name' => 'name', 'email' => 'email', 'company' => 'organization', 'phone' => 'tel' )[ $field ] ); ?>"
							<?php echo 'phone' === $field ? '' : 'required'; ?>
							aria-describedby="<?php echo esc_attr( $uid . '-' . $field . '-error' ); ?>">
					<?php endif; ?>
					<span class="waybill-error" id="<?php echo esc_attr( $uid . '-' . $field . '-error' ); ?>"></span>
				</p>
			<?php endforeach; ?>
			<p class="waybill-hp" aria-hidden="true">
				<label><?php esc_html_e( 'Leave this field empty', 'waybill' ); ?>
					<input type="text" name="<?php echo esc_attr( self::HONEYPOT_FIELD ); ?>" tabindex="-1" autocomplete="off" value="">
				</label>
			</p>
			<p class="waybill-field waybill-field-consent">
				<label><input type="checkbox" name="consent" value="1" required aria-describedby="<?php echo esc_attr( $uid . '-consent-error' ); ?>"> <?php echo esc_html( $atts['consent'] ); ?></label>
				<span class="waybill-error" id="<?php echo esc_attr( $uid . '-consent-error' ); ?>"></span>
			</p>
			<p><button type="submit"><?php echo esc_html( $atts['button'] ); ?></button></p>
			<p class="waybill-status" role="status" aria-live="polite"></p>
		</form>
		<?php
		return (string) ob_get_clean();
	}

	/**
	 * Handles a submission (REST callback for POST waybill/v1/leads).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function submit( WP_REST_Request $request ) {
		self::maybe_switch_locale( $request->get_param( 'locale' ) );
		if ( ! Waybill_Core::available() ) {
			return Waybill_Core::missing_error();
		}

		// A filled honeypot gets a polite answer and nothing is stored.
		if ( self::honeypot_filled( $request->get_param( self::HONEYPOT_FIELD ) ) ) {
			return new WP_REST_Response( array( 'status' => 'accepted' ), 200 );
		}

		$token = (string) $request->get_param( 'form_token' );
		if ( ! is_user_logged_in() ) {
			if ( ! self::verify_token( $token ) ) {
				return new WP_Error( 'waybill_form_token', __( 'This form has expired. Please reload the page and try again.', 'waybill' ), array( 'status' => 403 ) );
			}
			$wait = self::rate_limit( self::client_ip() );
			if ( $wait > 0 ) {
				return new WP_Error( 'waybill_rate_limited', __( 'Too many messages from your address. Please try again later.', 'waybill' ), array( 'status' => 429, 'retry_after' => $wait ) );
			}
		}

		$data = self::collect( $request );
		if ( is_wp_error( $data ) ) {
			return $data;
		}
		$result = self::capture( $data, $token );
		if ( is_wp_error( $result ) ) {
			return self::field_errors( $result );
		}

		$body = array(
			'status'  => 'accepted',
			'id'      => $result,
			'message' => __( 'Thank you! Your message has been received.', 'waybill' ),
		);
		$redirect = wp_validate_redirect( (string) $request->get_header( 'referer' ), '' );
		if ( '1' === (string) $request->get_param( 'waybill_nojs' ) && '' !== $redirect ) {
			$response = new WP_REST_Response( $body, 303 );
			$response->header( 'Location', add_query_arg( 'waybill_lead', 'sent', $redirect ) );
			return $response;
		}
		return new WP_REST_Response( $body, 200 );
	}

	/**
	 * Whether the honeypot holds anything: any value other than absent, null,
	 * '' or false counts as a bot, whatever its type (`website[]=x` arrives as
	 * an array, JSON may send numbers, objects or `true`).
	 *
	 * @param mixed $value Honeypot parameter.
	 * @return bool
	 */
	public static function honeypot_filled( $value ) {
		if ( null === $value || false === $value || '' === $value ) {
			return false;
		}
		return true;
	}

	/**
	 * Fields whose value is not valid UTF-8, as the core reports them.
	 *
	 * Checked before the lead row is written: MySQL refuses such text, which
	 * would otherwise surface as a server error instead of a field error.
	 *
	 * @param array $data Form data.
	 * @return WP_Error|null `input.invalid_utf8` with one violation per field.
	 */
	private static function invalid_utf8( array $data ) {
		$errors = array();
		foreach ( self::FIELDS as $field ) {
			if ( isset( $data[ $field ] ) && is_string( $data[ $field ] ) && ! preg_match( '//u', $data[ $field ] ) ) {
				$errors[] = array(
					'code'    => 'input.invalid_utf8',
					'pointer' => '/data/' . $field,
					'message' => 'the value is not valid UTF-8',
				);
			}
		}
		if ( empty( $errors ) ) {
			return null;
		}
		return new WP_Error(
			'input.invalid_utf8',
			__( 'Please check the highlighted fields.', 'waybill' ),
			array(
				'status'  => 422,
				'pointer' => $errors[0]['pointer'],
				'errors'  => $errors,
			)
		);
	}

	/**
	 * Stores the lead and captures `lead.submitted`, both or neither.
	 *
	 * The idempotency key comes from the form token (or the user) and the field
	 * values, so a double click or a retried request maps to the same lead and event.
	 *
	 * @param array  $data  Form data.
	 * @param string $token Form token ('' for logged-in users).
	 * @return string|WP_Error Event id.
	 */
	public static function capture( array $data, $token ) {
		global $wpdb;
		$invalid = self::invalid_utf8( $data );
		if ( $invalid ) {
			return $invalid;
		}
		$user_id = get_current_user_id();
		$natural = ( $user_id ? 'user:' . $user_id . '|' . (int) floor( time() / HOUR_IN_SECONDS ) : 'token:' . $token )
			. '|' . hash( 'sha256', (string) wp_json_encode( $data ) );
		$key     = Waybill_Core::derive_key( 'lead', $natural );
		if ( is_wp_error( $key ) ) {
			return $key;
		}

		$leads = Waybill_Schema::table( 'leads' );
		$wpdb->query( 'START TRANSACTION' );
		$wpdb->query(
			$wpdb->prepare(
				"INSERT INTO {$leads} (idempotency_key, name, email, company, phone, message, consent, user_id, created_at) VALUES (%s,%s,%s,%s,%s,%s,%d,%d,%s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				$key,
				isset( $data['name'] ) ? $data['name'] : '',
				isset( $data['email'] ) ? $data['email'] : '',
				isset( $data['company'] ) ? $data['company'] : '',
				isset( $data['phone'] ) ? $data['phone'] : '',
				isset( $data['message'] ) ? $data['message'] : '',
				! empty( $data['consent'] ) ? 1 : 0,
				$user_id,
				gmdate( 'Y-m-d H:i:s' )
			)
		);
		$lead_id = (int) $wpdb->insert_id;
		if ( ! $lead_id ) {
			$wpdb->query( 'ROLLBACK' );
			return new WP_Error( 'waybill_lead_insert', __( 'Your message could not be stored. Please try again.', 'waybill' ), array( 'status' => 500 ) );
		}

		$result = Waybill_Capture::emit(
			self::EVENT_TYPE,
			$data,
			array(
				'entity'          => array(
					'type' => 'lead',
					'id'   => $lead_id,
				),
				'source'          => self::SOURCE,
				'consent'         => ! empty( $data['consent'] ),
				'idempotency_key' => $key,
			)
		);
		$wpdb->query( is_wp_error( $result ) ? 'ROLLBACK' : 'COMMIT' );
		return $result;
	}

	/**
	 * The form's fields as the contract expects them; only strings, bounded.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array|WP_Error
	 */
	private static function collect( WP_REST_Request $request ) {
		$data = array();
		foreach ( self::FIELDS as $field ) {
			$value = $request->get_param( $field );
			if ( null === $value || ( 'phone' === $field && '' === $value ) ) {
				continue;
			}
			if ( ! is_scalar( $value ) || strlen( (string) $value ) > self::MAX_FIELD_BYTES ) {
				return self::error_for_fields( array( $field => __( 'This value is not valid.', 'waybill' ) ) );
			}
			$data[ $field ] = (string) $value;
		}
		$consent         = $request->get_param( 'consent' );
		$data['consent'] = in_array( $consent, array( true, 1, '1', 'on', 'true', 'yes' ), true );

		// The page the form was sent from, when it is on this site.
		$page = wp_validate_redirect( (string) $request->get_header( 'referer' ), '' );
		if ( '' !== $page ) {
			$data['page_url'] = $page;
		}
		return $data;
	}

	/**
	 * Turns the core's violations into per-field messages in the visitor's language.
	 *
	 * @param WP_Error $error Error from capture.
	 * @return WP_Error
	 */
	public static function field_errors( WP_Error $error ) {
		$data = $error->get_error_data();
		if ( ! is_array( $data ) || empty( $data['errors'] ) || 0 === strpos( $error->get_error_code(), 'waybill_' ) ) {
			return $error;
		}
		$fields = array();
		foreach ( $data['errors'] as $violation ) {
			$field = self::field_of( $violation );
			if ( '' !== $field && ! isset( $fields[ $field ] ) ) {
				$fields[ $field ] = self::message_for( $violation['code'], $field );
			}
		}
		if ( empty( $fields ) ) {
			return $error;
		}
		$result = self::error_for_fields( $fields );
		$result->add_data( array_merge( $result->get_error_data(), array( 'errors' => $data['errors'] ) ) );
		return $result;
	}

	/**
	 * The form field a violation points at ('' if none).
	 *
	 * @param array $violation code, pointer, message.
	 * @return string
	 */
	private static function field_of( array $violation ) {
		$parts = explode( '/', (string) $violation['pointer'] );
		if ( isset( $parts[1], $parts[2] ) && 'data' === $parts[1] && in_array( $parts[2], array_merge( self::FIELDS, array( 'consent' ) ), true ) ) {
			return $parts[2];
		}
		if ( isset( $parts[1] ) && 'consent' === $parts[1] ) {
			return 'consent';
		}
		// A missing property is reported on its parent; its name is in the message.
		if ( 'schema.required' === $violation['code'] && preg_match( '/["\'`](\w+)["\'`]/', (string) $violation['message'], $match ) && in_array( $match[1], array_merge( self::FIELDS, array( 'consent' ) ), true ) ) {
			return $match[1];
		}
		return '';
	}

	/**
	 * A translatable message for a violation code.
	 *
	 * @param string $code  Core error code.
	 * @param string $field Field name.
	 * @return string
	 */
	private static function message_for( $code, $field ) {
		if ( 'consent' === $field ) {
			return __( 'Please tick the box to agree, so that we may answer you.', 'waybill' );
		}
		switch ( $code ) {
			case 'schema.required':
			case 'schema.min_length':
				return __( 'This field is required.', 'waybill' );
			case 'schema.format':
			case 'schema.pattern':
				return 'email' === $field ? __( 'Please enter a valid email address.', 'waybill' ) : __( 'This value is not in the expected format.', 'waybill' );
			case 'schema.max_length':
			case 'input.string_too_long':
				return __( 'This value is too long.', 'waybill' );
			case 'input.invalid_utf8':
				return __( 'This value contains characters that could not be read.', 'waybill' );
			default:
				return __( 'This value is not valid.', 'waybill' );
		}
	}

	/**
	 * A 422 error carrying `fields` => field => message.
	 *
	 * @param array $fields Messages by field.
	 * @return WP_Error
	 */
	private static function error_for_fields( array $fields ) {
		return new WP_Error(
			'waybill_invalid_fields',
			__( 'Please check the highlighted fields.', 'waybill' ),
			array(
				'status' => 422,
				'fields' => $fields,
			)
		);
	}

	/**
	 * Field labels.
	 *
	 * @return string[]
	 */
	private static function labels() {
		return array(
			'name'    => __( 'Name', 'waybill' ),
			'email'   => __( 'Email', 'waybill' ),
			'company' => __( 'Company', 'waybill' ),
			'phone'   => __( 'Phone (optional)', 'waybill' ),
			'message' => __( 'Message', 'waybill' ),
		);
	}

	/**
	 * A new form token: issue time, random part, HMAC over both.
	 *
	 * @return string
	 */
	public static function issue_token() {
		$payload = time() . '.' . bin2hex( random_bytes( 9 ) );
		return $payload . '.' . self::token_mac( $payload );
	}

	/**
	 * Whether a form token is authentic and not expired.
	 *
	 * @param string $token Token.
	 * @return bool
	 */
	public static function verify_token( $token ) {
		$parts = explode( '.', (string) $token );
		if ( 3 !== count( $parts ) || ! ctype_digit( $parts[0] ) || ! ctype_xdigit( $parts[1] ) ) {
			return false;
		}
		if ( ! hash_equals( self::token_mac( $parts[0] . '.' . $parts[1] ), $parts[2] ) ) {
			return false;
		}
		$age = time() - (int) $parts[0];
		return $age >= -60 && $age <= (int) Waybill_Settings::get( 'form_token_ttl' );
	}

	/**
	 * HMAC of a token payload with a key derived from the site's salts.
	 *
	 * @param string $payload Token payload.
	 * @return string
	 */
	private static function token_mac( $payload ) {
		return hash_hmac( 'sha256', 'waybill-form|' . $payload, wp_salt( 'nonce' ) );
	}

	/**
	 * Counts a submission against the IP's budget.
	 *
	 * @param string $ip Client address.
	 * @return int 0 when allowed, otherwise seconds until the window resets.
	 */
	public static function rate_limit( $ip ) {
		$limit  = (int) Waybill_Settings::get( 'rate_limit' );
		$window = max( 1, (int) Waybill_Settings::get( 'rate_window' ) );
		if ( $limit < 1 ) {
			return 0;
		}
		$bucket = (int) floor( time() / $window );
		$key    = 'waybill_rl_' . substr( hash_hmac( 'sha256', $ip . '|' . $bucket, wp_salt( 'nonce' ) ), 0, 32 );
		$count  = (int) get_transient( $key );
		if ( $count >= $limit ) {
			return ( $bucket + 1 ) * $window - time();
		}
		set_transient( $key, $count + 1, $window );
		return 0;
	}

	/**
	 * The client address; proxies must be trusted explicitly through the filter.
	 *
	 * @return string
	 */
	private static function client_ip() {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';

		/**
		 * Filters the address used for rate limiting (e.g. to read a trusted proxy header).
		 *
		 * @param string $ip REMOTE_ADDR.
		 */
		return (string) apply_filters( 'waybill_client_ip', $ip );
	}

	/**
	 * Answers in the page's language when the site has it installed.
	 *
	 * @param mixed $locale Locale sent by the form.
	 */
	private static function maybe_switch_locale( $locale ) {
		if ( is_string( $locale ) && preg_match( '/^[a-z]{2,3}(_[A-Z]{2})?$/', $locale ) && in_array( $locale, get_available_languages(), true ) ) {
			switch_to_locale( $locale );
		}
	}
}
