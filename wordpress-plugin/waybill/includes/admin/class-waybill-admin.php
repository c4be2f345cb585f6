<?php
/**
 * wp-admin: events list and detail, settings and endpoints, leads, notices.
 *
 * Every action is an admin-post request that checks a capability and a nonce
 * before it changes anything, then redirects back with a notice code.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/class-waybill-events-table.php';

/**
 * Admin pages and their actions.
 */
final class Waybill_Admin {

	/** Capability for every Waybill admin page and action. */
	const CAPABILITY = 'manage_options';

	/** Seconds a freshly generated secret stays visible to the admin who made it. */
	const REVEAL_TTL = 300;

	/** admin-post actions and their handlers. */
	const ACTIONS = array(
		'waybill_save_settings'   => 'save_settings',
		'waybill_save_endpoint'   => 'save_endpoint',
		'waybill_delete_endpoint' => 'delete_endpoint',
		'waybill_toggle_endpoint' => 'toggle_endpoint',
		'waybill_endpoint_secret' => 'endpoint_secret',
		'waybill_inbound_secret'  => 'inbound_secret',
		'waybill_test_event'      => 'test_event',
		'waybill_replay'          => 'replay',
		'waybill_run_worker'      => 'run_worker',
	);

	/**
	 * Bidi controls that reorder the text around them (U+202A–U+202E embeddings
	 * and overrides, U+2066–U+2069 isolates).
	 */
	const BIDI_CONTROLS = array( "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}" );

	/**
	 * Escapes stored raw input (form fields, keys, bodies) for display.
	 *
	 * Bidi controls are shown as a visible `[U+202E]` marker instead of acting
	 * on the page, so a value cannot disguise itself or reorder its neighbours;
	 * the value is also isolated in `<bdi>`. Only the display changes: the
	 * stored data stays as it was received.
	 *
	 * @param mixed $value Stored value.
	 * @return string HTML.
	 */
	public static function esc_raw( $value ) {
		$map = array();
		foreach ( self::BIDI_CONTROLS as $char ) {
			$map[ $char ] = sprintf( '[U+%04X]', self::code_point( $char ) );
		}
		return '<bdi>' . esc_html( strtr( (string) $value, $map ) ) . '</bdi>';
	}

	/**
	 * The code point of one three-byte UTF-8 character.
	 *
	 * @param string $char Character.
	 * @return int
	 */
	private static function code_point( $char ) {
		return ( ( ord( $char[0] ) & 0x0F ) << 12 ) | ( ( ord( $char[1] ) & 0x3F ) << 6 ) | ( ord( $char[2] ) & 0x3F );
	}

	/**
	 * Hooks menus, notices and actions.
	 */
	public static function init() {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_notices', array( __CLASS__, 'notices' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( WAYBILL_FILE ), array( __CLASS__, 'action_links' ) );
		foreach ( self::ACTIONS as $action => $method ) {
			add_action( 'admin_post_' . $action, array( __CLASS__, 'dispatch' ) );
		}
	}

	/**
	 * Adds the menu pages.
	 */
	public static function menu() {
		$events = add_menu_page( __( 'Waybill events', 'waybill' ), __( 'Waybill', 'waybill' ), self::CAPABILITY, 'waybill', array( __CLASS__, 'events_page' ), 'dashicons-email-alt2', 80 );
		add_submenu_page( 'waybill', __( 'Waybill events', 'waybill' ), __( 'Events', 'waybill' ), self::CAPABILITY, 'waybill', array( __CLASS__, 'events_page' ) );
		add_submenu_page( 'waybill', __( 'Waybill leads', 'waybill' ), __( 'Leads', 'waybill' ), self::CAPABILITY, 'waybill-leads', array( __CLASS__, 'leads_page' ) );
		add_submenu_page( 'waybill', __( 'Waybill settings', 'waybill' ), __( 'Settings', 'waybill' ), self::CAPABILITY, 'waybill-settings', array( __CLASS__, 'settings_page' ) );
		add_action( 'load-' . $events, array( __CLASS__, 'handle_bulk' ) );
	}

	/**
	 * "Settings" link on the Plugins screen.
	 *
	 * @param array $links Links.
	 * @return array
	 */
	public static function action_links( $links ) {
		$links[] = '<a href="' . esc_url( admin_url( 'admin.php?page=waybill-settings' ) ) . '">' . esc_html__( 'Settings', 'waybill' ) . '</a>';
		return $links;
	}

	/**
	 * Runs an admin-post action after the capability and nonce checks.
	 */
	public static function dispatch() {
		$action = isset( $_REQUEST['action'] ) ? sanitize_key( wp_unslash( $_REQUEST['action'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the nonce is checked next.
		if ( ! isset( self::ACTIONS[ $action ] ) ) {
			wp_die( esc_html__( 'Unknown action.', 'waybill' ), 400 );
		}
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'waybill' ), 403 );
		}
		check_admin_referer( $action );

		$method = self::ACTIONS[ $action ];
		$back   = call_user_func( array( __CLASS__, $method ) );
		wp_safe_redirect( $back );
		exit;
	}

	/**
	 * URL of the replay action for one row.
	 *
	 * @param int $id Row id.
	 * @return string
	 */
	public static function replay_url( $id ) {
		return wp_nonce_url( admin_url( 'admin-post.php?action=waybill_replay&event_ids[]=' . (int) $id ), 'waybill_replay' );
	}

	/**
	 * A form's hidden action and nonce fields.
	 *
	 * @param string $action admin-post action.
	 */
	private static function action_fields( $action ) {
		printf( '<input type="hidden" name="action" value="%s">', esc_attr( $action ) );
		wp_nonce_field( $action );
	}

	/**
	 * Redirect target with a notice.
	 *
	 * @param string $page   Admin page slug.
	 * @param string $notice Notice code.
	 * @param array  $args   More query args.
	 * @return string
	 */
	private static function back( $page, $notice, array $args = array() ) {
		return add_query_arg( array_merge( array( 'page' => $page, 'waybill_notice' => rawurlencode( $notice ) ), $args ), admin_url( 'admin.php' ) );
	}

	/**
	 * Posted string, unslashed, exactly as sent.
	 *
	 * @param string $name Field.
	 * @return string
	 */
	private static function posted( $name ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing,WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- nonce checked in dispatch(); callers sanitize per field.
		return isset( $_POST[ $name ] ) && is_string( $_POST[ $name ] ) ? wp_unslash( $_POST[ $name ] ) : '';
	}

	// ---------------------------------------------------------------------
	// Actions.
	// ---------------------------------------------------------------------

	/**
	 * Saves general settings.
	 *
	 * @return string
	 */
	private static function save_settings() {
		$values = array();
		foreach ( Waybill_Settings::defaults() as $name => $default ) {
			if ( is_bool( $default ) ) {
				$values[ $name ] = '1' === self::posted( $name );
			} elseif ( isset( $_POST[ $name ] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Missing
				$values[ $name ] = sanitize_text_field( self::posted( $name ) );
			}
		}
		Waybill_Settings::update( $values );
		return self::back( 'waybill-settings', 'settings_saved' );
	}

	/**
	 * Creates or updates an endpoint.
	 *
	 * @return string
	 */
	private static function save_endpoint() {
		$saved = Waybill_Endpoints::save(
			array(
				'id'          => sanitize_key( self::posted( 'id' ) ),
				'name'        => sanitize_text_field( self::posted( 'name' ) ),
				'url'         => esc_url_raw( self::posted( 'url' ) ),
				'event_types' => sanitize_text_field( self::posted( 'event_types' ) ),
				'timeout'     => absint( self::posted( 'timeout' ) ),
				'enabled'     => '1' === self::posted( 'enabled' ),
			)
		);
		if ( is_wp_error( $saved ) ) {
			return self::back( 'waybill-settings', 'error:' . $saved->get_error_code() );
		}
		if ( '1' === self::posted( 'enabled' ) ) {
			Waybill_Endpoints::set_enabled( $saved['id'], true );
		}
		return self::back( 'waybill-settings', 'endpoint_saved' );
	}

	/**
	 * Deletes an endpoint.
	 *
	 * @return string
	 */
	private static function delete_endpoint() {
		Waybill_Endpoints::delete( sanitize_key( self::posted( 'id' ) ) );
		return self::back( 'waybill-settings', 'endpoint_deleted' );
	}

	/**
	 * Enables or disables an endpoint.
	 *
	 * @return string
	 */
	private static function toggle_endpoint() {
		$id       = sanitize_key( self::posted( 'id' ) );
		$endpoint = Waybill_Endpoints::get( $id );
		if ( $endpoint ) {
			Waybill_Endpoints::set_enabled( $id, ! $endpoint['enabled'], 'admin' );
		}
		return self::back( 'waybill-settings', 'endpoint_saved' );
	}

	/**
	 * Sets, generates or clears an endpoint's stored secret.
	 *
	 * @return string
	 */
	private static function endpoint_secret() {
		$id = sanitize_key( self::posted( 'id' ) );
		if ( ! Waybill_Endpoints::get( $id ) ) {
			return self::back( 'waybill-settings', 'error:waybill_no_endpoint' );
		}
		$current = get_option( Waybill_Endpoints::SECRET_OPTION_PREFIX . $id, array() );
		$current = is_array( $current ) ? $current : array();
		$result  = self::secret_operation( self::posted( 'operation' ), self::posted( 'secret' ), $current, false );
		if ( is_wp_error( $result ) ) {
			return self::back( 'waybill-settings', 'error:' . $result->get_error_code(), array( 'edit' => $id ) );
		}
		Waybill_Endpoints::store_secrets( $id, $result );
		return self::back( 'waybill-settings', 'secret_saved', array( 'edit' => $id ) );
	}

	/**
	 * Sets, generates or clears the inbound (write-back) secret.
	 *
	 * @return string
	 */
	private static function inbound_secret() {
		$current = get_option( Waybill_Endpoints::INBOUND_OPTION, array() );
		$result  = self::secret_operation( self::posted( 'operation' ), self::posted( 'secret' ), is_array( $current ) ? $current : array(), true );
		if ( is_wp_error( $result ) ) {
			return self::back( 'waybill-settings', 'error:' . $result->get_error_code() );
		}
		Waybill_Endpoints::store_inbound_keys( $result );
		return self::back( 'waybill-settings', 'secret_saved' );
	}

	/**
	 * Applies a secret operation to a key list.
	 *
	 * `set` replaces the list with the posted value (byte for byte), `add` appends
	 * it (rotation: both keys sign until the old one is removed), `generate`
	 * appends a new HMAC secret, `keypair` an Ed25519 key, `clear` empties the list.
	 *
	 * @param string   $operation set, add, generate, keypair, clear, remove_first.
	 * @param string   $value     Posted secret.
	 * @param string[] $keys      Current keys.
	 * @param bool     $inbound   Whether these keys verify (public keys allowed).
	 * @return string[]|WP_Error
	 */
	private static function secret_operation( $operation, $value, array $keys, $inbound ) {
		switch ( $operation ) {
			case 'clear':
				return array();
			case 'remove_first':
				array_shift( $keys );
				return $keys;
			case 'generate':
				$secret = Waybill_Core::generate_secret();
				if ( is_wp_error( $secret ) ) {
					return $secret;
				}
				self::reveal( __( 'New HMAC secret (copy it now; it will not be shown again)', 'waybill' ), $secret );
				$keys[] = $secret;
				return $keys;
			case 'keypair':
				$pair = Waybill_Core::generate_keypair();
				if ( is_wp_error( $pair ) ) {
					return $pair;
				}
				self::reveal( __( 'Ed25519 public key (give it to the receiver; it is not secret)', 'waybill' ), (string) $pair['public_key'] );
				if ( $inbound ) {
					self::reveal( __( 'Ed25519 secret key for the sender (copy it now; it will not be shown again)', 'waybill' ), (string) $pair['secret_key'] );
					$keys[] = (string) $pair['public_key'];
				} else {
					$keys[] = (string) $pair['secret_key'];
				}
				return $keys;
			case 'set':
			case 'add':
				if ( '' === $value ) {
					return new WP_Error( 'waybill_secret_empty' );
				}
				$check = self::check_secret( $value, $inbound );
				if ( is_wp_error( $check ) ) {
					return $check;
				}
				return 'set' === $operation ? array( $value ) : array_merge( $keys, array( $value ) );
		}
		return new WP_Error( 'waybill_unknown_operation' );
	}

	/**
	 * Asks the extension whether a secret is usable, without storing or echoing it.
	 *
	 * @param string $secret  Secret.
	 * @param bool   $inbound Whether it verifies (may be a public key).
	 * @return true|WP_Error
	 */
	private static function check_secret( $secret, $inbound ) {
		if ( ! Waybill_Core::available() ) {
			return true;
		}
		if ( $inbound && 0 === strpos( $secret, 'whpk_' ) ) {
			return true;
		}
		$signature = Waybill_Core::sign( 'msg_check', time(), '{}', array( $secret ) );
		return is_wp_error( $signature ) ? new WP_Error( $signature->get_error_code() ) : true;
	}

	/**
	 * Keeps a value for this admin's next page view only.
	 *
	 * @param string $label Label.
	 * @param string $value Value.
	 */
	private static function reveal( $label, $value ) {
		$key         = 'waybill_reveal_' . get_current_user_id();
		$items       = get_transient( $key );
		$items       = is_array( $items ) ? $items : array();
		$items[]     = array( $label, $value );
		set_transient( $key, $items, self::REVEAL_TTL );
	}

	/**
	 * Queues a test event to one endpoint and sends it now.
	 *
	 * @return string
	 */
	private static function test_event() {
		$id       = sanitize_key( self::posted( 'id' ) );
		$endpoint = Waybill_Endpoints::get( $id );
		if ( ! $endpoint ) {
			return self::back( 'waybill-settings', 'error:waybill_no_endpoint' );
		}
		$key = self::emit_test_event( $id );
		if ( is_wp_error( $key ) ) {
			return self::back( 'waybill-settings', 'error:' . $key->get_error_code() );
		}
		$rows = Waybill_Outbox::by_key( $key );
		Waybill_Worker::run_ids( wp_list_pluck( $rows, 'id' ), 'admin' );
		$row = Waybill_Outbox::get( (int) $rows[0]->id );
		return self::back( 'waybill', Waybill_Outbox::DELIVERED === $row->status ? 'test_delivered' : 'test_failed:' . $row->last_error_code, array( 'event' => (int) $row->id ) );
	}

	/**
	 * Captures the test event for an endpoint: a lead.submitted with
	 * reserved example data (example.com), so receivers can recognise it.
	 *
	 * @param string $endpoint_id Endpoint id.
	 * @return string|WP_Error
	 */
	public static function emit_test_event( $endpoint_id ) {
		return Waybill_Capture::emit(
			'lead.submitted',
			array(
				'name'    => 'Waybill test',
				'email'   => 'test@example.com',
				'company' => 'Example',
				'message' => __( 'This is a test event sent from the Waybill settings page.', 'waybill' ),
				'consent' => true,
			),
			array(
				'entity'    => array(
					'type' => 'lead',
					'id'   => 0,
				),
				'source'    => 'waybill-test',
				'consent'   => true,
				'endpoints' => array( $endpoint_id ),
				'metadata'  => array( 'test' => true ),
			)
		);
	}

	/**
	 * Replays rows (single link or bulk).
	 *
	 * @return string
	 */
	private static function replay() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- nonce checked in dispatch().
		$ids   = isset( $_REQUEST['event_ids'] ) ? array_map( 'absint', (array) wp_unslash( $_REQUEST['event_ids'] ) ) : array();
		$count = Waybill_Outbox::replay( $ids );
		return self::back( 'waybill', 'replayed:' . $count );
	}

	/**
	 * Runs the worker once from the admin.
	 *
	 * @return string
	 */
	private static function run_worker() {
		$stats = Waybill_Worker::run( array( 'runner' => 'admin', 'time_limit' => 20 ) );
		return self::back( 'waybill', 'worker_ran:' . (int) $stats['delivered'] );
	}

	/**
	 * Bulk replay from the list table (POST to the events page itself).
	 */
	public static function handle_bulk() {
		$table = new Waybill_Events_Table();
		if ( 'replay' !== $table->current_action() ) {
			return;
		}
		check_admin_referer( 'bulk-waybill_events' );
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'waybill' ), 403 );
		}
		$ids = isset( $_REQUEST['event_ids'] ) ? array_map( 'absint', (array) wp_unslash( $_REQUEST['event_ids'] ) ) : array();
		wp_safe_redirect( self::back( 'waybill', 'replayed:' . Waybill_Outbox::replay( $ids ) ) );
		exit;
	}

	// ---------------------------------------------------------------------
	// Pages.
	// ---------------------------------------------------------------------

	/**
	 * Notices: extension missing (everywhere for admins), then page notices.
	 */
	public static function notices() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		if ( ! Waybill_Core::available() ) {
			echo '<div class="notice notice-error waybill-extension-missing"><p><strong>' . esc_html__( 'Waybill is active but its PHP extension is not loaded.', 'waybill' ) . '</strong></p>';
			echo wp_kses_post( Waybill_Site_Health::install_help() );
			echo '</div>';
		}
		foreach ( Waybill_Endpoints::all() as $endpoint ) {
			if ( ! $endpoint['enabled'] && 'endpoint.gone' === $endpoint['disabled_reason'] ) {
				/* translators: %s: endpoint name. */
				echo '<div class="notice notice-warning"><p>' . esc_html( sprintf( __( 'Waybill disabled the endpoint "%s" because the receiver answered 410 Gone. Its events are kept; enable it again in the settings to resume.', 'waybill' ), $endpoint['name'] ) ) . '</p></div>';
			}
		}

		$page = isset( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( 0 !== strpos( $page, 'waybill' ) && ! isset( $_GET['waybill_notice'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended
			return;
		}
		$reveal = get_transient( 'waybill_reveal_' . get_current_user_id() );
		if ( is_array( $reveal ) ) {
			delete_transient( 'waybill_reveal_' . get_current_user_id() );
			foreach ( $reveal as $item ) {
				printf( '<div class="notice notice-info"><p>%s</p><p><code class="waybill-reveal">%s</code></p></div>', esc_html( $item[0] ), esc_html( $item[1] ) );
			}
		}
		$notice = isset( $_GET['waybill_notice'] ) ? sanitize_text_field( wp_unslash( $_GET['waybill_notice'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( '' !== $notice ) {
			list( $class, $text ) = self::notice_text( $notice );
			printf( '<div class="notice notice-%s is-dismissible"><p>%s</p></div>', esc_attr( $class ), esc_html( $text ) );
		}
	}

	/**
	 * Notice class and text for a notice code.
	 *
	 * @param string $notice Code, optionally `code:detail`.
	 * @return array{0: string, 1: string}
	 */
	private static function notice_text( $notice ) {
		list( $code, $detail ) = array_pad( explode( ':', $notice, 2 ), 2, '' );
		switch ( $code ) {
			case 'settings_saved':
				return array( 'success', __( 'Settings saved.', 'waybill' ) );
			case 'endpoint_saved':
				return array( 'success', __( 'Endpoint saved.', 'waybill' ) );
			case 'endpoint_deleted':
				return array( 'success', __( 'Endpoint deleted.', 'waybill' ) );
			case 'secret_saved':
				return array( 'success', __( 'Secret saved. It will not be displayed again.', 'waybill' ) );
			case 'test_delivered':
				return array( 'success', __( 'The test event was delivered.', 'waybill' ) );
			case 'test_failed':
				/* translators: %s: error code. */
				return array( 'error', sprintf( __( 'The test event was not delivered (%s). See its attempts below.', 'waybill' ), $detail ) );
			case 'replayed':
				/* translators: %d: number of events. */
				return array( 'success', sprintf( _n( '%d event queued again.', '%d events queued again.', (int) $detail, 'waybill' ), (int) $detail ) );
			case 'worker_ran':
				/* translators: %d: number of events. */
				return array( 'success', sprintf( _n( 'Worker ran: %d event delivered.', 'Worker ran: %d events delivered.', (int) $detail, 'waybill' ), (int) $detail ) );
			case 'draft_requested':
				return array( 'success', __( 'AI draft requested. The draft will appear among your posts for review.', 'waybill' ) );
			case 'draft_failed':
			case 'error':
				/* translators: %s: error code. */
				return array( 'error', sprintf( __( 'That did not work (%s).', 'waybill' ), $detail ) );
		}
		return array( 'info', $notice );
	}

	/**
	 * Events list, or one event's detail.
	 */
	public static function events_page() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this page.', 'waybill' ), 403 );
		}
		$event_id = isset( $_GET['event'] ) ? absint( $_GET['event'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( $event_id ) {
			self::event_detail( $event_id );
			return;
		}
		// WordPress's own list-table helpers echo these; a crafted array must not reach them.
		foreach ( array( 's', 'orderby', 'order', 'status', 'event_type', 'endpoint', 'paged' ) as $param ) {
			if ( isset( $_REQUEST[ $param ] ) && ! is_string( $_REQUEST[ $param ] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended
				unset( $_REQUEST[ $param ], $_GET[ $param ] );
			}
		}
		$table = new Waybill_Events_Table();
		$table->prepare_items();
		echo '<div class="wrap"><h1 class="wp-heading-inline">' . esc_html__( 'Waybill events', 'waybill' ) . '</h1>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline-block;margin-left:1em">';
		self::action_fields( 'waybill_run_worker' );
		submit_button( __( 'Run worker now', 'waybill' ), 'secondary', 'submit', false );
		echo '</form><hr class="wp-header-end">';
		$table->views();
		echo '<form method="get"><input type="hidden" name="page" value="waybill">';
		$table->search_box( __( 'Search by key', 'waybill' ), 'waybill-search' );
		echo '</form>';
		echo '<form method="post">';
		$table->display();
		echo '</form></div>';
	}

	/**
	 * One event with its attempts.
	 *
	 * @param int $event_id Row id.
	 */
	private static function event_detail( $event_id ) {
		$row = Waybill_Outbox::get( $event_id );
		echo '<div class="wrap"><h1>' . esc_html__( 'Waybill event', 'waybill' ) . '</h1>';
		echo '<p><a href="' . esc_url( admin_url( 'admin.php?page=waybill' ) ) . '">&larr; ' . esc_html__( 'All events', 'waybill' ) . '</a></p>';
		if ( ! $row ) {
			echo '<p>' . esc_html__( 'No such event.', 'waybill' ) . '</p></div>';
			return;
		}
		$status = ( Waybill_Outbox::PENDING === $row->status && (int) $row->attempts > 0 ) ? 'retrying' : $row->status;
		$fields = array(
			__( 'Event id (webhook-id)', 'waybill' ) => $row->idempotency_key,
			__( 'Type', 'waybill' )                  => $row->event_type . ' @ ' . $row->contract_version,
			__( 'Endpoint', 'waybill' )              => '' === $row->endpoint_id ? '—' : $row->endpoint_id,
			__( 'Status', 'waybill' )                => Waybill_Events_Table::status_label( $status ),
			__( 'Entity', 'waybill' )                => $row->entity_type . ' ' . $row->entity_id,
			__( 'Attempts', 'waybill' )              => (string) $row->attempts,
			__( 'Last error', 'waybill' )            => $row->last_error_code,
			__( 'Captured (UTC)', 'waybill' )        => $row->created_at,
			__( 'Next attempt (UTC)', 'waybill' )    => $row->next_attempt_at,
			__( 'Delivered (UTC)', 'waybill' )       => (string) $row->delivered_at,
		);
		echo '<table class="widefat striped" style="max-width:60em"><tbody>';
		foreach ( $fields as $label => $value ) {
			printf( '<tr><th scope="row">%s</th><td>%s</td></tr>', esc_html( $label ), self::esc_raw( $value ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
		}
		echo '</tbody></table>';

		if ( in_array( $row->status, array( Waybill_Outbox::DEAD, Waybill_Outbox::PENDING, Waybill_Outbox::DELIVERED ), true ) ) {
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '"><input type="hidden" name="event_ids[]" value="' . (int) $row->id . '">';
			self::action_fields( 'waybill_replay' );
			submit_button( __( 'Replay this event', 'waybill' ) );
			echo '</form>';
		}

		echo '<h2>' . esc_html__( 'Attempts', 'waybill' ) . '</h2>';
		$attempts = Waybill_Outbox::attempts( (int) $row->id );
		if ( empty( $attempts ) ) {
			echo '<p>' . esc_html__( 'No attempt yet.', 'waybill' ) . '</p>';
		} else {
			echo '<table class="widefat striped"><thead><tr><th>#</th><th>' . esc_html__( 'Started (UTC)', 'waybill' ) . '</th><th>' . esc_html__( 'Duration', 'waybill' ) . '</th><th>' . esc_html__( 'HTTP status', 'waybill' ) . '</th><th>' . esc_html__( 'Error', 'waybill' ) . '</th><th>' . esc_html__( 'Response (excerpt)', 'waybill' ) . '</th></tr></thead><tbody>';
			foreach ( $attempts as $attempt ) {
				printf(
					'<tr><td>%d</td><td>%s</td><td>%s ms</td><td>%s</td><td>%s</td><td><code>%s</code></td></tr>',
					(int) $attempt->attempt_no,
					esc_html( $attempt->started_at ),
					esc_html( number_format_i18n( (int) $attempt->duration_ms ) ),
					esc_html( $attempt->http_status ? (string) $attempt->http_status : '—' ),
					esc_html( $attempt->error_code ),
					self::esc_raw( $attempt->response_excerpt ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
				);
			}
			echo '</tbody></table>';
		}

		echo '<h2>' . esc_html__( 'Outgoing body (canonical JSON)', 'waybill' ) . '</h2>';
		$pretty = json_decode( (string) $row->body, false, 512, JSON_BIGINT_AS_STRING );
		echo '<pre class="waybill-json" style="white-space:pre-wrap;max-width:80em">' . self::esc_raw( null === $pretty ? (string) $row->body : (string) wp_json_encode( $pretty, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) ) . '</pre>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
		echo '<h2>' . esc_html__( 'Captured input', 'waybill' ) . '</h2>';
		echo '<pre class="waybill-json" style="white-space:pre-wrap;max-width:80em">' . self::esc_raw( (string) $row->input ) . '</pre></div>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
	}

	/**
	 * Latest leads and their classification.
	 */
	public static function leads_page() {
		global $wpdb;
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this page.', 'waybill' ), 403 );
		}
		$table = Waybill_Schema::table( 'leads' );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} ORDER BY id DESC LIMIT %d", 100 ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		echo '<div class="wrap"><h1>' . esc_html__( 'Waybill leads', 'waybill' ) . '</h1>';
		echo '<p>' . esc_html__( 'The latest 100 leads from the form, with the classification written back by your automation.', 'waybill' ) . '</p>';
		echo '<table class="widefat striped"><thead><tr><th>#</th><th>' . esc_html__( 'Received (UTC)', 'waybill' ) . '</th><th>' . esc_html__( 'Name', 'waybill' ) . '</th><th>' . esc_html__( 'Email', 'waybill' ) . '</th><th>' . esc_html__( 'Company', 'waybill' ) . '</th><th>' . esc_html__( 'Classification', 'waybill' ) . '</th><th>' . esc_html__( 'Event', 'waybill' ) . '</th></tr></thead><tbody>';
		foreach ( $rows as $row ) {
			$class = '';
			if ( $row->classification ) {
				$decoded = json_decode( $row->classification, true );
				$class   = is_array( $decoded ) && isset( $decoded['data'] ) ? wp_json_encode( $decoded['data'], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) : $row->classification;
			}
			printf(
				'<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td><code>%s</code></td><td><a href="%s"><code>%s</code></a></td></tr>',
				(int) $row->id,
				esc_html( $row->created_at ),
				self::esc_raw( $row->name ), // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
				self::esc_raw( $row->email ), // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
				self::esc_raw( $row->company ), // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
				self::esc_raw( $class ? $class : '—' ), // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
				esc_url( add_query_arg( array( 'page' => 'waybill', 's' => $row->idempotency_key ), admin_url( 'admin.php' ) ) ),
				self::esc_raw( $row->idempotency_key ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- esc_raw escapes.
			);
		}
		if ( empty( $rows ) ) {
			echo '<tr><td colspan="7">' . esc_html__( 'No leads yet.', 'waybill' ) . '</td></tr>';
		}
		echo '</tbody></table></div>';
	}

	/**
	 * Settings: endpoints, secrets, write-back, general settings, contracts, runner.
	 */
	public static function settings_page() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this page.', 'waybill' ), 403 );
		}
		$edit = isset( $_GET['edit'] ) ? sanitize_key( wp_unslash( $_GET['edit'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		echo '<div class="wrap"><h1>' . esc_html__( 'Waybill settings', 'waybill' ) . '</h1>';
		self::endpoints_section( $edit );
		self::inbound_section();
		self::general_section();
		self::contracts_section();
		self::runner_section();
		echo '</div>';
	}

	/**
	 * Endpoint list and add/edit form.
	 *
	 * @param string $edit Endpoint being edited.
	 */
	private static function endpoints_section( $edit ) {
		echo '<h2>' . esc_html__( 'Endpoints', 'waybill' ) . '</h2>';
		echo '<table class="widefat striped"><thead><tr><th>' . esc_html__( 'Endpoint', 'waybill' ) . '</th><th>URL</th><th>' . esc_html__( 'Event types', 'waybill' ) . '</th><th>' . esc_html__( 'Secret', 'waybill' ) . '</th><th>' . esc_html__( 'State', 'waybill' ) . '</th><th>' . esc_html__( 'Actions', 'waybill' ) . '</th></tr></thead><tbody>';
		$endpoints = Waybill_Endpoints::all();
		foreach ( $endpoints as $id => $endpoint ) {
			$secrets = Waybill_Endpoints::secrets( $id );
			echo '<tr><td><strong>' . esc_html( $endpoint['name'] ) . '</strong><br><code>' . esc_html( $id ) . '</code></td>';
			echo '<td><code>' . esc_html( $endpoint['url'] ) . '</code><br>' . esc_html( sprintf( /* translators: %d: seconds. */ __( 'timeout %d s', 'waybill' ), $endpoint['timeout'] ) ) . '</td>';
			echo '<td>' . esc_html( empty( $endpoint['event_types'] ) ? __( 'all', 'waybill' ) : implode( ', ', $endpoint['event_types'] ) ) . '</td>';
			echo '<td>' . self::secret_status( $secrets, Waybill_Endpoints::constant_name( $id ) ) . '</td>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside.
			echo '<td>' . esc_html( $endpoint['enabled'] ? __( 'enabled', 'waybill' ) : ( 'endpoint.gone' === $endpoint['disabled_reason'] ? __( 'disabled (receiver answered 410)', 'waybill' ) : __( 'disabled', 'waybill' ) ) ) . '</td><td>';
			printf( '<a class="button" href="%s">%s</a> ', esc_url( add_query_arg( array( 'page' => 'waybill-settings', 'edit' => $id ), admin_url( 'admin.php' ) ) . '#waybill-endpoint-form' ), esc_html__( 'Edit', 'waybill' ) );
			self::inline_button( 'waybill_toggle_endpoint', $id, $endpoint['enabled'] ? __( 'Disable', 'waybill' ) : __( 'Enable', 'waybill' ) );
			self::inline_button( 'waybill_test_event', $id, __( 'Send test event', 'waybill' ) );
			self::inline_button( 'waybill_delete_endpoint', $id, __( 'Delete', 'waybill' ) );
			echo '</td></tr>';
		}
		if ( empty( $endpoints ) ) {
			echo '<tr><td colspan="6">' . esc_html__( 'No endpoint yet. Events are kept until one accepts their type.', 'waybill' ) . '</td></tr>';
		}
		echo '</tbody></table>';

		$current = $edit && isset( $endpoints[ $edit ] ) ? $endpoints[ $edit ] : null;
		echo '<h3 id="waybill-endpoint-form">' . esc_html( $current ? __( 'Edit endpoint', 'waybill' ) : __( 'Add an endpoint', 'waybill' ) ) . '</h3>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		self::action_fields( 'waybill_save_endpoint' );
		echo '<table class="form-table" role="presentation"><tbody>';
		self::text_row( 'id', __( 'Id', 'waybill' ), $current ? $current['id'] : '', __( 'Lower-case letters, digits, - and _. The secret constant is named after it.', 'waybill' ), $current ? 'readonly' : '' );
		self::text_row( 'name', __( 'Name', 'waybill' ), $current ? $current['name'] : '' );
		self::text_row( 'url', __( 'URL', 'waybill' ), $current ? $current['url'] : '', '', 'type=url' );
		self::text_row( 'event_types', __( 'Event types', 'waybill' ), $current ? implode( ', ', $current['event_types'] ) : '', __( 'Comma-separated, e.g. lead.submitted, content.*; empty for all.', 'waybill' ) );
		self::text_row( 'timeout', __( 'Timeout (seconds)', 'waybill' ), (string) ( $current ? $current['timeout'] : Waybill_Settings::get( 'default_timeout' ) ), '', 'type=number' );
		printf( '<tr><th scope="row">%s</th><td><label><input type="checkbox" name="enabled" value="1" %s> %s</label></td></tr>', esc_html__( 'Enabled', 'waybill' ), checked( ! $current || $current['enabled'], true, false ), esc_html__( 'Deliver events to this endpoint', 'waybill' ) );
		echo '</tbody></table>';
		submit_button( $current ? __( 'Save endpoint', 'waybill' ) : __( 'Add endpoint', 'waybill' ) );
		echo '</form>';

		if ( $current ) {
			echo '<h3>' . esc_html__( 'Signing secret', 'waybill' ) . '</h3>';
			/* translators: %s: constant name. */
			echo '<p>' . esc_html( sprintf( __( 'Preferred: define %s in wp-config.php or the environment. A secret saved here is stored as typed and never shown again.', 'waybill' ), Waybill_Endpoints::constant_name( $current['id'] ) ) ) . '</p>';
			self::secret_form( 'waybill_endpoint_secret', $current['id'], false );
		}
	}

	/**
	 * Write-back URL and inbound secret.
	 */
	private static function inbound_section() {
		echo '<h2>' . esc_html__( 'Write-back from automation', 'waybill' ) . '</h2>';
		/* translators: %s: URL. */
		echo '<p>' . esc_html( sprintf( __( 'Automation posts signed lead.classified and content.draft_ready events to %s.', 'waybill' ), rest_url( 'waybill/v1/writeback' ) ) ) . '</p>';
		echo '<p>' . self::secret_status( Waybill_Endpoints::inbound_keys(), Waybill_Endpoints::INBOUND_CONSTANT ) . '</p>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside.
		self::secret_form( 'waybill_inbound_secret', '', true );
	}

	/**
	 * General settings form.
	 */
	private static function general_section() {
		$settings = Waybill_Settings::all();
		echo '<h2>' . esc_html__( 'Delivery, privacy and retention', 'waybill' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		self::action_fields( 'waybill_save_settings' );
		echo '<table class="form-table" role="presentation"><tbody>';
		self::text_row( 'retry_schedule', __( 'Retry schedule (seconds)', 'waybill' ), (string) $settings['retry_schedule'], __( 'Wait before each retry, comma-separated. Default: Standard Webhooks\' schedule.', 'waybill' ) );
		$numbers = array(
			'batch_size'          => __( 'Events per batch', 'waybill' ),
			'concurrency'         => __( 'Requests in parallel per worker', 'waybill' ),
			'time_limit'          => __( 'Worker time limit (seconds)', 'waybill' ),
			'claim_ttl'           => __( 'Recover claims older than (seconds)', 'waybill' ),
			'default_timeout'     => __( 'Default timeout for new endpoints (seconds)', 'waybill' ),
			'rate_limit'          => __( 'Form submissions per IP address', 'waybill' ),
			'rate_window'         => __( '… per window of (seconds)', 'waybill' ),
			'retention_days'      => __( 'Keep delivered events (days)', 'waybill' ),
			'dead_retention_days' => __( 'Keep failed events (days)', 'waybill' ),
			'lead_retention_days' => __( 'Keep leads (days, 0 = forever)', 'waybill' ),
		);
		foreach ( $numbers as $name => $label ) {
			self::text_row( $name, $label, (string) $settings[ $name ], '', 'type=number' );
		}
		$checks = array(
			'loopback'            => __( 'Start delivery right after a capture (loopback request)', 'waybill' ),
			'delete_on_uninstall' => __( 'Delete all Waybill data (events, leads, settings, secrets) when the plugin is deleted', 'waybill' ),
		);
		foreach ( $checks as $name => $label ) {
			printf( '<tr><th scope="row"></th><td><label><input type="checkbox" name="%s" value="1" %s> %s</label></td></tr>', esc_attr( $name ), checked( (bool) $settings[ $name ], true, false ), esc_html( $label ) );
		}
		echo '</tbody></table>';
		submit_button();
		echo '</form>';
	}

	/**
	 * Contracts the extension knows.
	 */
	private static function contracts_section() {
		echo '<h2>' . esc_html__( 'Contracts in use', 'waybill' ) . '</h2>';
		$contracts = Waybill_Core::contracts();
		if ( empty( $contracts ) ) {
			echo '<p>' . esc_html( Waybill_Core::available() ? __( 'The extension reports no contracts.', 'waybill' ) : __( 'Unknown until the extension is loaded.', 'waybill' ) ) . '</p>';
			return;
		}
		echo '<ul>';
		foreach ( $contracts as $contract ) {
			$type    = isset( $contract['event_type'] ) ? $contract['event_type'] : ( isset( $contract['type'] ) ? $contract['type'] : '?' );
			$version = isset( $contract['version'] ) ? $contract['version'] : '';
			printf(
				'<li><code>%s@%s</code> %s</li>',
				esc_html( (string) $type ),
				esc_html( (string) $version ),
				esc_html( isset( $contract['title'] ) ? '— ' . $contract['title'] : '' )
			);
		}
		echo '</ul>';
	}

	/**
	 * How delivery is triggered on this site.
	 */
	private static function runner_section() {
		$last = get_option( Waybill_Worker::LAST_RUN_OPTION, array() );
		echo '<h2>' . esc_html__( 'Worker', 'waybill' ) . '</h2>';
		if ( is_array( $last ) && isset( $last['at'] ) ) {
			/* translators: 1: time difference, 2: runner. */
			echo '<p>' . esc_html( sprintf( __( 'Last run %1$s ago by %2$s.', 'waybill' ), human_time_diff( (int) $last['at'] ), (string) $last['runner'] ) ) . '</p>';
		}
		echo '<p>' . esc_html__( 'For system cron (recommended with DISABLE_WP_CRON), run every minute:', 'waybill' ) . '</p>';
		echo '<p><code>php ' . esc_html( WAYBILL_DIR . 'bin/waybill-worker.php --path=' . untrailingslashit( ABSPATH ) ) . '</code></p>';
	}

	/**
	 * Where a key list comes from and what it holds, never the values.
	 *
	 * @param array  $secrets  keys, source.
	 * @param string $constant Constant name.
	 * @return string HTML.
	 */
	private static function secret_status( array $secrets, $constant ) {
		if ( empty( $secrets['keys'] ) ) {
			/* translators: %s: constant name. */
			return '<span class="waybill-secret-none">' . esc_html( sprintf( __( 'none: events wait unsent (define %s or save one)', 'waybill' ), $constant ) ) . '</span>';
		}
		$sources = array(
			'constant'    => __( 'from wp-config.php', 'waybill' ),
			'environment' => __( 'from the environment', 'waybill' ),
			'settings'    => __( 'saved in settings', 'waybill' ),
		);
		$items = array();
		foreach ( $secrets['keys'] as $key ) {
			$items[] = esc_html( Waybill_Endpoints::describe( $key ) );
		}
		return esc_html( $sources[ $secrets['source'] ] ) . '<br>' . implode( '<br>', $items );
	}

	/**
	 * Form to set, add, generate or clear a stored secret.
	 *
	 * @param string $action  admin-post action.
	 * @param string $id      Endpoint id or ''.
	 * @param bool   $inbound Whether it is the inbound secret.
	 */
	private static function secret_form( $action, $id, $inbound ) {
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" autocomplete="off">';
		self::action_fields( $action );
		printf( '<input type="hidden" name="id" value="%s">', esc_attr( $id ) );
		printf( '<p><label for="waybill-secret-%1$s">%2$s</label><br><input type="password" id="waybill-secret-%1$s" name="secret" class="regular-text" autocomplete="new-password" spellcheck="false"></p>', esc_attr( $id ? $id : 'inbound' ), esc_html__( 'Secret (whsec_…, whsk_…; whpk_… for verifying)', 'waybill' ) );
		echo '<p>';
		$buttons = array(
			'set'          => __( 'Replace with this secret', 'waybill' ),
			'add'          => __( 'Add this secret (rotation)', 'waybill' ),
			'generate'     => __( 'Generate an HMAC secret', 'waybill' ),
			'keypair'      => __( 'Generate an Ed25519 key pair', 'waybill' ),
			'remove_first' => __( 'Remove the oldest secret', 'waybill' ),
			'clear'        => __( 'Remove all saved secrets', 'waybill' ),
		);
		foreach ( $buttons as $operation => $label ) {
			printf( '<button type="submit" class="button" name="operation" value="%s">%s</button> ', esc_attr( $operation ), esc_html( $label ) );
		}
		echo '</p></form>';
	}

	/**
	 * A one-button form for an endpoint action.
	 *
	 * @param string $action admin-post action.
	 * @param string $id     Endpoint id.
	 * @param string $label  Button label.
	 */
	private static function inline_button( $action, $id, $label ) {
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline">';
		self::action_fields( $action );
		printf( '<input type="hidden" name="id" value="%s"><button type="submit" class="button">%s</button></form> ', esc_attr( $id ), esc_html( $label ) );
	}

	/**
	 * A text input row.
	 *
	 * @param string $name  Field.
	 * @param string $label Label.
	 * @param string $value Value.
	 * @param string $help  Help text.
	 * @param string $extra `type=url`, `type=number` or `readonly`.
	 */
	private static function text_row( $name, $label, $value, $help = '', $extra = '' ) {
		$type = 0 === strpos( $extra, 'type=' ) ? substr( $extra, 5 ) : 'text';
		printf(
			'<tr><th scope="row"><label for="waybill-%1$s">%2$s</label></th><td><input type="%3$s" id="waybill-%1$s" name="%1$s" value="%4$s" class="regular-text"%5$s>%6$s</td></tr>',
			esc_attr( $name ),
			esc_html( $label ),
			esc_attr( $type ),
			esc_attr( $value ),
			'readonly' === $extra ? ' readonly' : '',
			'' === $help ? '' : '<p class="description">' . esc_html( $help ) . '</p>'
		);
	}
}
